/** The codec layer: message types, the Mesos v1 schema, JSON and protobuf codecs, RecordIO framing. */
export * from './codec';
export * from './recordio';
export * from './schema';
export type * from './messages';
export * from './task-states';

/** The codec layer: message types, the Mesos v1 schema, JSON and protobuf codecs, RecordIO framing. */
export * from './codec';
export type * from './messages';
export * from './recordio';
export * from './schema';
export * from './task-states';

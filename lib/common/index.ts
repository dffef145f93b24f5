export * from './abort';
export * from './backoff';
export * from './errors';
export * from './logger';

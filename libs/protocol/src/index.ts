export * from './gen/connect/connect.ext';
export * from './errors';
export * from './varint';
export * from './frame';
export * from './packet';
export * from './wire';

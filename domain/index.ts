export * from './time';
export * from './calendar';
export * from './deadline';
export * from './ladder';
export * from './policy';

import 'reflect-metadata';

export * from './errors/codes';
export * from './errors/graphflow-error';
export * from './plugin/types';
export * from './plugin/tokens';
export * from './util/rng';
export * from './run/atomic-write';
export * from './run/run-directory';
export * from './contracts/backbone';
export * from './contracts/module';
export * from './contracts/data';
export * from './contracts/loss';
export * from './contracts/stage';
export * from './contracts/metric';
export * from './contracts/backend';

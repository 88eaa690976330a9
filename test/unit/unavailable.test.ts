/**
 * While Temporal or the database cannot be reached the API answers 503 service_unavailable with
 * Retry-After (found by the chaos suite, infra/chaos: it answered 500 internal_error), so a client
 * knows to retry the same request with its Idempotency-Key; any other unexpected error stays a 500.
 */
import { Metadata } from '@grpc/grpc-js';
import { ServiceError } from '@temporalio/client';
import express from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { errorHandler, isUnavailable } from '../../api/errors';
import { freePort } from '../../infra/processes';

const appThrowing = (err: unknown) => {
  const app = express();
  app.post('/x', () => {
    throw err;
  });
  app.use(errorHandler);
  return app;
};

/** An error as @grpc/grpc-js makes it for a call that found no server. */
const grpcError = (code: number) =>
  Object.assign(new Error(`${code} UNAVAILABLE: No connection established`), {
    code,
    details: 'No connection established',
    metadata: new Metadata(),
  });

test('Temporal unreachable (gRPC UNAVAILABLE under a ServiceError): 503 with Retry-After', async () => {
  const err = new ServiceError('Failed to start Workflow', { cause: grpcError(14) });
  const res = await request(appThrowing(err)).post('/x');
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.body.error.code).toBe('service_unavailable');
  expect(res.text).not.toContain('No connection established');
});

test('the database unreachable (a real driver error, connection refused): 503', async () => {
  const client = new mongoose.mongo.MongoClient(`mongodb://127.0.0.1:${await freePort()}/x`, {
    serverSelectionTimeoutMS: 300,
  });
  const err = await client
    .db()
    .collection('c')
    .findOne({})
    .catch((e: unknown) => e);
  await client.close();
  expect(isUnavailable(err)).toBe(true);
  const res = await request(appThrowing(err)).post('/x');
  expect([res.status, res.body.error.code]).toEqual([503, 'service_unavailable']);
});

test('other errors stay 500 internal_error; a gRPC refusal that is not UNAVAILABLE too', async () => {
  for (const err of [new Error('bug'), new ServiceError('x', { cause: grpcError(3) }), { code: 14 }]) {
    expect(isUnavailable(err)).toBe(false);
    const res = await request(appThrowing(err)).post('/x');
    expect([res.status, res.body.error.code]).toEqual([500, 'internal_error']);
  }
});

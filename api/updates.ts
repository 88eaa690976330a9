/**
 * A human action sent to a workflow as an Update: the workflow's refusal (validator or handler,
 * `refuse(code, message)`) becomes HTTP 409 with that code and Chinese message; a workflow that has
 * closed meanwhile becomes the caller's `closed` error.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { HttpError } from './errors';

export async function runUpdate<R>(send: () => Promise<R>, closed: () => HttpError): Promise<R> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type)
      throw new HttpError(409, err.cause.type, err.cause.message);
    if (err instanceof WorkflowNotFoundError) throw closed();
    throw err;
  }
}

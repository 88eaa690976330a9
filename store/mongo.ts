/** A unique-index violation (E11000): the record is already there, e.g. another request won a race. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

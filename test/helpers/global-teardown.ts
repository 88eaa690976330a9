import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const state = globalThis.__huiyinServers;
  if (!state) return;
  await Promise.all(state.servers.map((s) => s.stop()));
  rmSync(state.dir, { recursive: true, force: true });
}

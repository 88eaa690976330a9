import { bundleOnce } from './bundle';

export default async function globalSetup() {
  await bundleOnce();
}

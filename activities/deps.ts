import type { Store } from '../store';

/** What activities need from the outside world; tests inject their own. */
export interface ActivityDeps {
  store: Store;
}

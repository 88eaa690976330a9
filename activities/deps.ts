import type { RetryRule } from '../domain/notifications';
import type { Store } from '../store';
import type { Senders } from './channels';

/** What activities need from the outside world; tests inject their own. */
export interface ActivityDeps {
  store: Store;
  /** Delivery of notifications; absent = in-app inbox only, default retries. */
  notifications?: Partial<NotificationDeps>;
}

export interface NotificationDeps {
  senders: Senders;
  /** Base of the links in messages (PUBLIC_URL). */
  publicUrl: string;
  retry: RetryRule;
  /** How long a dispatcher holds a claimed row; longer than a delivery activity may take, retries included. */
  leaseMs: number;
  /** When the daily digest runs, 'HH:mm' Asia/Shanghai ("newly assigned" counts from the last one). */
  digestTime: string;
}

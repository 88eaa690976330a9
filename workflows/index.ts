// Every workflow the worker registers; one file per lifecycle.
export { deadlineProbe } from './deadline-probe';
export { clockDrill } from './clock-drill';
export { proposal } from './proposal';
export { deliverNotice, dispatchOutbox, testNotification } from './dispatch';
export { dailyDigest } from './digest';
export { followUpItem } from './follow-up';
export { supervisionPosting } from './supervision-posting';
export { expirySweep } from './sweep';

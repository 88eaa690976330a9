/** Imported first by the simulation's worker: from here on, `Date` reads the simulated clock. */
import { installVirtualClock } from './virtual-clock';

installVirtualClock();

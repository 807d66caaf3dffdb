// The board API's suites (and the websocket events its writes send) again,
// on PostgreSQL: every app they start gets a fresh PostgreSQL database
// instead of a SQLite file, and every assertion must hold to the byte on
// both engines.
import { againOnPostgres } from './helpers.ts';

await againOnPostgres([
  () => import('./api.test.ts'),
  () => import('./api-book.test.ts'),
  () => import('./api-backbone.test.ts'),
  () => import('./api-history.test.ts'),
  () => import('./api-order.test.ts'),
  () => import('./api-scrum.test.ts'),
  () => import('./realtime-e2e.test.ts'),
]);

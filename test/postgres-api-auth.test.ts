// Authentication, hostile input and the browsable API again, on PostgreSQL
// (see postgres-api.test.ts).
import { againOnPostgres } from './helpers.ts';

await againOnPostgres([() => import('./api-auth.test.ts'), () => import('./api-fuzz.test.ts'), () => import('./api-browsable.test.ts')]);

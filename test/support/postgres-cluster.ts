/**
 * The throwaway PostgreSQL cluster of scripts/postgres-cluster.ts, for tests: one per test
 * file (before/after), removed afterwards. CI installs PostgreSQL (.ci/run), so these tests
 * are never skipped there.
 */
export { findPgBin, setUpRoles, startCluster, SUPERUSER, type PgCluster } from '../../scripts/postgres-cluster.js';

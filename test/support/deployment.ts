import { ReadinessBalancer } from './balancer';
import { createTestDatabase, databaseUrl, TestDatabase } from './databases';
import { ReplicaSet } from './replica-set';

/** A Deployment and its Service: replicas on one fresh MariaDB database, behind a readiness-aware balancer. */
export interface Deployment {
  database: TestDatabase;
  replicas: ReplicaSet;
  balancer: ReadinessBalancer;
  /** Kills whatever still runs and drops the database. */
  close(): Promise<void>;
}

/** Creates the database and starts the balancer; no replica runs until `replicas.start()`. */
export async function createDeployment(env: Record<string, string> = {}): Promise<Deployment> {
  const database = await createTestDatabase('mysql');
  const replicas = new ReplicaSet({ DATABASE_URL: databaseUrl(database.config), ...env });
  const balancer = new ReadinessBalancer(() => replicas.urls());
  await balancer.start();
  return {
    database,
    replicas,
    balancer,
    close: async () => {
      await balancer.close();
      await replicas.killAll();
      await database.drop();
    },
  };
}

import { ConfigError } from '../errors.js';

/**
 * Reads one key of a Kubernetes Secret with the official client, through the usual kubeconfig
 * (KUBECONFIG, ~/.kube/config, or the in-cluster service account). The value stays in memory;
 * failures become one sentence naming the Secret and what is missing, never its contents.
 */
export type ReadKubeSecret = (namespace: string, name: string, key: string) => Promise<string>;

export function kubeSecretReader(env: Record<string, string | undefined> = process.env): ReadKubeSecret {
  let api: Promise<import('@kubernetes/client-node').CoreV1Api> | undefined;
  const client = () =>
    (api ??= import('@kubernetes/client-node').then((k) => {
      const kc = new k.KubeConfig();
      const saved = process.env.KUBECONFIG;
      try {
        if (env.KUBECONFIG !== undefined) process.env.KUBECONFIG = env.KUBECONFIG;
        kc.loadFromDefault();
      } finally {
        if (saved === undefined) delete process.env.KUBECONFIG;
        else process.env.KUBECONFIG = saved;
      }
      const cluster = kc.getCurrentCluster();
      // with nothing configured, the client quietly falls back to http://localhost:8080: refuse that
      if (!cluster || (cluster.name === 'cluster' && cluster.server === 'http://localhost:8080')) {
        throw new ConfigError(
          'no Kubernetes cluster is configured (set KUBECONFIG, or write ~/.kube/config, or run in a cluster)',
        );
      }
      return kc.makeApiClient(k.CoreV1Api);
    }));
  return async (namespace, name, key) => {
    const where = `the Kubernetes Secret ${namespace}/${name}`;
    let secret: { data?: Record<string, string> };
    try {
      secret = await (await client()).readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const code = (err as { code?: number }).code ?? (err as { statusCode?: number }).statusCode;
      if (code === 404) throw new ConfigError(`${where} does not exist`);
      if (code === 403)
        throw new ConfigError(
          `reading ${where} is forbidden: the Kubernetes user needs "get" on secrets in ${namespace}`,
        );
      if (code === 401)
        throw new ConfigError(`the Kubernetes API did not accept the credentials while reading ${where}`);
      throw new ConfigError(
        `${where} could not be read (${(err as Error)?.message?.split('\n')[0] ?? 'unknown error'})`,
      );
    }
    const value = secret.data?.[key];
    if (value === undefined)
      throw new ConfigError(
        `${where} has no key ${key} (it has: ${Object.keys(secret.data ?? {}).join(', ') || 'none'})`,
      );
    return Buffer.from(value, 'base64').toString('utf8');
  };
}

/**
 * The demo's gateway (apps/demo/src/gateway/start-gateway.ts), which esbuild bundles into the
 * bench's child under this name (see `buildChildren` in run.ts). Declared here because apps/demo
 * is not a dependency of the bench and its sources sit outside this package's rootDir; keep in
 * step with `startGateway` there.
 */
declare module "demo-gateway" {
  import type { AIAdapter } from "@x/core";
  export function startGateway(options: {
    adapter: AIAdapter;
    host?: string;
    port?: number;
  }): Promise<{ url: string; port: number; close(): Promise<void> }>;
}

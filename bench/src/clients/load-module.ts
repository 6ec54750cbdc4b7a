/**
 * Imports a workspace package by a non-literal specifier, so the bench compiles and the rest of
 * the run works while a package is not built yet (that client then fails with a clear message).
 */
export async function loadModule<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot load ${specifier} (is it built? pnpm --filter ${specifier} build): ${reason}`,
    );
  }
}

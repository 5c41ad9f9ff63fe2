/**
 * A write's result once its commit has settled too. A write answered from the ack log
 * (`WriteResult.committed`, `commit` mode) resolves before its commit, and what the commit changes
 * in memory (counts, ready lines, limits, ended leases) follows the commit: tests that look at
 * those wait for it.
 */
export async function settled<T extends { committed?: Promise<boolean> }>(writing: Promise<T>): Promise<T> {
  const result = await writing;
  await result.committed;
  return result;
}

/**
 * A preload (`node --import ./bench/lib/heap-sampler.mjs …`) that samples where a process
 * allocates, from its start until SIGTERM, collected objects included (`node --heap-prof` keeps
 * only what is still alive at exit, which says nothing of what GC costs), and writes the profile
 * to `$QTASKS_HEAP_PROFILE`. `bench/cpu-split.mjs --broker-heap` runs the broker with it, and
 * `bench/lib/heapprofile-top.mjs` sums it up.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.QTASKS_HEAP_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  // A same-thread session answers synchronously, so the profile is written before the process's own SIGTERM handler exits.
  session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  process.prependListener('SIGTERM', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}

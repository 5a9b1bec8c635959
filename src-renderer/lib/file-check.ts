import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';

/**
 * State of one server-side file check (a benchmark table, a dataset): the description it
 * returned, or its error (which names file and line or byte), and whether it is running.
 * Editing the paths calls `reset`: a new check is needed before Start.
 */
export function useFileCheck<T>(): { result: ShallowRef<T | null>; error: Ref<string | null>; busy: Ref<boolean>; run: (check: () => Promise<T>) => Promise<T | null>; reset: () => void } {
  const result = shallowRef<T | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  async function run(check: () => Promise<T>): Promise<T | null> {
    busy.value = true;
    error.value = null;
    try {
      result.value = await check();
    } catch (e) {
      result.value = null;
      error.value = (e as Error).message;
    } finally {
      busy.value = false;
    }
    return result.value;
  }
  function reset(): void {
    result.value = null;
    error.value = null;
  }
  return { result, error, busy, run, reset };
}

/**
 * @module orderElements: the list order rule of strategic merge patch
 * (design-proposals-archive cli/preserve-order-in-strategic-merge-patch.md).
 */

/** Identity maps a list element to its merge-key identity (a string), or undefined when it has none. */
export type Identity = (element: unknown) => string | undefined;

/**
 * orderElements orders a merged list as kube-apiserver does: elements named in `reference` (the patch list, or
 * its `$setElementOrder`) come in that order; elements only the server had keep their live order and are slotted
 * in front of the first referenced element that followed them in `server`. Without this, `kubectl apply`
 * would reshuffle env vars, whose order matters because later ones may reference earlier ones.
 */
export function orderElements(merged: readonly unknown[], reference: readonly unknown[], server: readonly unknown[], identity: Identity): unknown[] {
  const refIndex = indexBy(reference, identity);
  const serverIndex = indexBy(server, identity);
  const rank = (index: ReadonlyMap<string, number>, el: unknown): number => {
    const id = identity(el);
    return id === undefined ? Number.POSITIVE_INFINITY : (index.get(id) ?? Number.POSITIVE_INFINITY);
  };
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const el of merged) {
    const id = identity(el);
    (id !== undefined && refIndex.has(id) ? inPatch : serverOnly).push(el);
  }
  // Array.prototype.sort is stable, so elements without a rank keep their relative order.
  inPatch.sort((a, b) => rank(refIndex, a) - rank(refIndex, b));
  serverOnly.sort((a, b) => rank(serverIndex, a) - rank(serverIndex, b));

  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < inPatch.length) {
    const left = rank(serverIndex, serverOnly[i]);
    const right = rank(serverIndex, inPatch[j]);
    // Only when both sat in the live list can their live order decide; otherwise the patch element goes first.
    if (Number.isFinite(left) && Number.isFinite(right) && left < right) out.push(serverOnly[i++]);
    else out.push(inPatch[j++]);
  }
  while (i < serverOnly.length) out.push(serverOnly[i++]);
  while (j < inPatch.length) out.push(inPatch[j++]);
  return out;
}

function indexBy(list: readonly unknown[], identity: Identity): Map<string, number> {
  const index = new Map<string, number>();
  list.forEach((el, i) => {
    const id = identity(el);
    if (id !== undefined && !index.has(id)) index.set(id, i);
  });
  return index;
}

/**
 * Keys that appear more than once in one object of a JSON text (JSON.parse keeps the last and
 * hides the others). Reports `path.key` for each repeat.
 */
export function duplicateKeys(text: string): string[] {
  const dups: string[] = [];
  const stack: { keys: Set<string>; isObject: boolean }[] = [];
  let i = 0;
  const readString = (): string => {
    let s = '';
    for (i++; text[i] !== '"'; i++) {
      if (text[i] === '\\') s += text[i++];
      s += text[i];
    }
    i++;
    return s;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{' || c === '[') {
      stack.push({ keys: new Set(), isObject: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === '"') {
      const s = readString();
      let j = i;
      while (text[j] === ' ') j++;
      const top = stack.at(-1);
      if (text[j] === ':' && top?.isObject) {
        if (top.keys.has(s)) dups.push(s);
        top.keys.add(s);
      }
    } else i++;
  }
  return dups;
}

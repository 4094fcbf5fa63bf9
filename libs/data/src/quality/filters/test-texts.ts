// Small English texts written for these tests.

/** About 70 words of ordinary prose: passes every default rule of every filter. */
export const PROSE = [
  'The river rose slowly through the night, and by morning the lower fields were under water.',
  'Farmers who had lived in the valley for years said that they had never seen it climb so fast.',
  'Some of them moved their animals to the hills before dawn, while others waited with the boats ready.',
  'By noon the rain had stopped, and the first families began to return to see what was left of their homes.',
].join('\n');

/** Words that are distinct from each other and from PROSE. */
export function distinctWords(count: number, prefix = 'w'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i.toString(36)}x`);
}

import { UserText } from './user-text.tsx';

/** A letter avatar for an app, coloured from its slug: no remote images, works offline. */
export function AppAvatar({ name, slug }: { name: string; slug: string }) {
  const letter = (name.trim()[0] ?? '?').toUpperCase();
  return (
    <span class="avatar" aria-hidden="true" style={{ backgroundColor: colourOf(slug) }}>
      <UserText>{letter}</UserText>
    </span>
  );
}

function colourOf(text: string): string {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  // Hues at fixed saturation and lightness keep white text readable (contrast above 4.5:1).
  return `hsl(${hash % 360} 55% 36%)`;
}

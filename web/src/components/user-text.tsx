import type { ComponentChildren } from 'preact';

/**
 * Text that someone typed (an account, app, key or member name, an email, a provider's error):
 * shown unchanged, but in a bidi isolate, so that a right-to-left override or other direction
 * control inside it (U+202E…) cannot reorder the words around it. Every user-supplied string
 * the dashboard renders goes through this or through `isolate`.
 */
export function UserText({
  children,
  class: cls,
}: {
  children: ComponentChildren;
  class?: string;
}) {
  return <bdi class={cls}>{children}</bdi>;
}

/**
 * A sentence with user-supplied parts, e.g. isolate`Revoked ${key.name}.`: the literal parts
 * stay as they are and every interpolated value is rendered through UserText. For toasts,
 * dialog titles and other messages built from templates.
 */
export function isolate(strings: TemplateStringsArray, ...values: unknown[]): ComponentChildren {
  const parts: ComponentChildren[] = [];
  strings.forEach((text, i) => {
    if (text) parts.push(text);
    if (i < values.length) parts.push(<UserText key={i}>{String(values[i] ?? '')}</UserText>);
  });
  return parts;
}

/** Several user-supplied strings in a list ("Ann, Bob"), each isolated on its own. */
export function isolatedList(items: string[], separator = ', '): ComponentChildren {
  return items.map((item, i) => [i > 0 ? separator : null, <UserText key={i}>{item}</UserText>]);
}

// The people of the board (GET /api/users/): who can be assigned, how they
// are named (full name, else username) and their initials avatar, whose
// colours all keep white initials at AA contrast (4.5:1 and more; board.css
// holds the palette as .hue-0 … .hue-7). Loaded once per board; views listen
// for `change` to draw names once they are known.
import Backbone from 'backbone';
import { fetchAllPages } from './models.ts';
import { html, type SafeHtml } from './view.ts';

export interface Person {
  username: string;
  full_name: string;
  is_active: boolean;
}

/** As many as board.css has `.hue-N` classes. */
const HUES = 8;

export const displayName = (person: Pick<Person, 'username' | 'full_name'>): string => person.full_name.trim() || person.username;

/** "Ada Lovelace" → "AL"; "grace" → "GR": two letters, whatever the script. */
export function initials(person: Pick<Person, 'username' | 'full_name'>): string {
  const words = person.full_name.trim().split(/\s+/u).filter(Boolean);
  const letters = words.length >= 2 ? [words[0]!, words.at(-1)!].map((word) => [...word][0]!) : [...(words[0] ?? person.username)].slice(0, 2);
  return letters.join('').toLocaleUpperCase();
}

/** The same colour for a person on every board and every load. */
export function hueOf(username: string): number {
  let hash = 0;
  for (const ch of username) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return hash % HUES;
}

/** Lower-cased, accents dropped: "Zoë" is found by "zoe". */
export const folded = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();

/** Whether typed text finds a person: in the full name (any word's start or anywhere) or the username. */
export const personMatches = (person: Person, typed: string): boolean => {
  const needle = folded(typed.trim());
  return needle === '' || folded(person.full_name).includes(needle) || folded(person.username).includes(needle);
};

/**
 * The initials avatar; its accessible name is the full name (`named`), or
 * it is decoration beside a name already written out.
 */
export function avatar(person: Pick<Person, 'username' | 'full_name'>, { named = true } = {}): SafeHtml {
  return named
    ? html`<span class="avatar hue-${hueOf(person.username)}" role="img" aria-label="${displayName(person)}" title="${displayName(person)}">${initials(person)}</span>`
    : html`<span class="avatar hue-${hueOf(person.username)}" aria-hidden="true">${initials(person)}</span>`;
}

export interface People extends Backbone.Events {}

/** Triggers `change` once the list (and who "me" is) is known, and again after each reload. */
export class People {
  list: Person[] = [];
  me: string | null = null;
  private loading: Promise<void> | null = null;

  /** The people with this username, or one made up from it until the list is known (or for a user since deleted). */
  find(username: string): Person {
    return this.list.find((person) => person.username === username) ?? { username, full_name: '', is_active: true };
  }

  /** Who can be chosen: active people, by name. */
  get choices(): Person[] {
    return this.list.filter((person) => person.is_active);
  }

  load(usersUrl: string, me: () => Promise<string>): Promise<void> {
    this.loading ??= (async () => {
      try {
        const [list, username] = await Promise.all([fetchAllPages<Person>(usersUrl), me().catch(() => null)]);
        this.list = list.sort((a, b) => displayName(a).localeCompare(displayName(b)));
        this.me = username;
        this.trigger('change');
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
Object.assign(People.prototype, Backbone.Events);

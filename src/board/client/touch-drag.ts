// Dragging a card with a finger: a long press picks it up (a quick swipe
// still scrolls the board), then it follows the finger over the columns and
// drops where it is let go. The board decides what may be picked up and
// what a drop does, as for a mouse drag.

/** How long a finger rests on a card before it is picked up, and how far it may wander meanwhile. */
const LONG_PRESS_MS = 450;
const SLOP_PX = 10;
/** Near the top or bottom of the screen the board scrolls under the dragged card. */
const EDGE_PX = 48;
const EDGE_SCROLL_PX = 14;

export interface TouchDragTarget {
  /** The card under a finger may be picked up (false: locked, or no task). */
  canPickUp(card: HTMLElement): boolean;
  pickUp(card: HTMLElement): void;
  /** The finger is over this element (or nothing of the board). */
  hover(under: Element | null): void;
  dropOn(under: Element | null): void;
  /** Picked up, then let go nowhere, or the touch was taken away (a call, a gesture). */
  putDown(): void;
}

export class TouchDrag {
  private timer: number | undefined;
  private start: { x: number; y: number } | null = null;
  private card: HTMLElement | null = null;
  private dragging = false;
  private last: { x: number; y: number } = { x: 0, y: 0 };

  private readonly root: HTMLElement;
  private readonly target: TouchDragTarget;
  constructor(root: HTMLElement, target: TouchDragTarget) {
    this.root = root;
    this.target = target;
    root.addEventListener('touchstart', this.onStart, { passive: true });
    // Not passive: once a card is picked up, its moves must not scroll the page.
    root.addEventListener('touchmove', this.onMove, { passive: false });
    root.addEventListener('touchend', this.onEnd, { passive: false });
    root.addEventListener('touchcancel', this.onCancel);
    root.addEventListener('contextmenu', this.onContextMenu);
  }

  private readonly onStart = (event: TouchEvent): void => {
    const card = (event.target as Element).closest<HTMLElement>('.task');
    if (event.touches.length !== 1 || !card || !this.target.canPickUp(card)) return this.reset();
    const touch = event.touches[0]!;
    this.start = { x: touch.clientX, y: touch.clientY };
    this.last = this.start;
    this.card = card;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.pickUp(), LONG_PRESS_MS);
  };

  private pickUp(): void {
    if (!this.card || !this.target.canPickUp(this.card)) return this.reset();
    this.dragging = true;
    this.target.pickUp(this.card);
    this.target.hover(this.under());
  }

  private readonly onMove = (event: TouchEvent): void => {
    const touch = event.touches[0];
    if (!touch || !this.start) return;
    this.last = { x: touch.clientX, y: touch.clientY };
    if (!this.dragging) {
      // Moved before the press was long: a scroll, which the browser does.
      if (Math.hypot(this.last.x - this.start.x, this.last.y - this.start.y) > SLOP_PX) this.reset();
      return;
    }
    if (event.cancelable) event.preventDefault();
    if (this.last.y < EDGE_PX) window.scrollBy(0, -EDGE_SCROLL_PX);
    else if (this.last.y > window.innerHeight - EDGE_PX) window.scrollBy(0, EDGE_SCROLL_PX);
    this.target.hover(this.under());
  };

  private readonly onEnd = (event: TouchEvent): void => {
    if (this.dragging) {
      event.preventDefault(); // no click: the details do not open on a drop
      this.target.dropOn(this.under());
    }
    this.reset();
  };

  private readonly onCancel = (): void => {
    if (this.dragging) this.target.putDown();
    this.reset();
  };

  /** A long press must not open the browser's menu over the card. */
  private readonly onContextMenu = (event: Event): void => {
    if (this.card && (event.target as Element).closest('.task') === this.card) event.preventDefault();
  };

  private under(): Element | null {
    const element = document.elementFromPoint(this.last.x, this.last.y);
    return element && this.root.contains(element) ? element : null;
  }

  private reset(): void {
    clearTimeout(this.timer);
    this.start = null;
    this.card = null;
    this.dragging = false;
  }

  remove(): void {
    this.reset();
    this.root.removeEventListener('touchstart', this.onStart);
    this.root.removeEventListener('touchmove', this.onMove);
    this.root.removeEventListener('touchend', this.onEnd);
    this.root.removeEventListener('touchcancel', this.onCancel);
    this.root.removeEventListener('contextmenu', this.onContextMenu);
  }
}

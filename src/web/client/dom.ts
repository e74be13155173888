/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Building elements safely. Every string reaches the DOM as a text node or an attribute value,
// never as markup: task prompts, results and errors are untrusted (model output).

import { KNOWN_STATUSES } from './format.js';

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler | DOMStringMap>;

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

function setProps(element: Element, props: Props | null | undefined): void {
  if (!props) return;
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.setAttribute('class', String(value));
    else if (key === 'text') element.textContent = String(value);
    else if (key === 'dataset' && typeof value === 'object') {
      Object.assign((element as HTMLElement | SVGElement).dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else element.setAttribute(key, value === true ? '' : String(value));
  }
}

export function appendChildren(parent: Node, children: Child): void {
  if (children === null || children === undefined || children === false) return;
  if (Array.isArray(children)) {
    for (const child of children as readonly Child[]) appendChildren(parent, child);
  } else if (typeof children === 'string' || typeof children === 'number') {
    parent.appendChild(document.createTextNode(String(children)));
  } else {
    parent.appendChild(children as Node);
  }
}

/** An HTML element: props set attributes (class, text, on<event>, dataset), children are nodes or text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  children?: Child,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setProps(element, props);
  appendChildren(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, as h() builds HTML ones. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props?: Props | null,
  children?: Child,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setProps(element, props);
  appendChildren(element, children);
  return element;
}

/** Replaces the children of an element. */
export function fill(element: Element, children: Child): void {
  element.replaceChildren();
  appendChildren(element, children);
}

export function statusBadge(status: string): HTMLSpanElement {
  const known = KNOWN_STATUSES.includes(status) ? status : 'unknown';
  return h('span', { class: `badge status-${known}`, text: String(status) });
}

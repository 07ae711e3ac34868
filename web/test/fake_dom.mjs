// The few DOM calls the renderers make (createElement, createTextNode, fragments, attributes, textContent), enough to
// render in node: rendering itself (not only the parse tree) is then tested without a browser.
class Node {
  constructor(nodeName) {
    this.nodeName = nodeName;
    this.childNodes = [];
    this.attributes = {};
    this.className = "";
  }

  appendChild(child) {
    if (child.nodeName === "#fragment") {
      this.childNodes.push(...child.childNodes);
      child.childNodes = [];
    } else {
      this.childNodes.push(child);
    }
    return child;
  }

  append(...children) {
    for (const child of children) this.appendChild(typeof child === "string" ? new Text(child) : child);
  }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }

  getAttribute(name) {
    return name in this.attributes ? this.attributes[name] : null;
  }

  set textContent(value) {
    this.childNodes = [new Text(String(value))];
  }

  get textContent() {
    return this.childNodes.map((child) => child.textContent).join("");
  }

  /** The elements below this one with this tag name, in document order. */
  all(tag) {
    const found = [];
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeName === tag) found.push(child);
        walk(child);
      }
    };
    walk(this);
    return found;
  }
}

class Text extends Node {
  constructor(text) {
    super("#text");
    this.data = text;
  }

  get textContent() {
    return this.data;
  }
}

export const fakeDocument = {
  createElement: (tag) => new Node(tag.toLowerCase()),
  createElementNS: (_ns, tag) => new Node(tag.toLowerCase()),
  createTextNode: (text) => new Text(text),
  createDocumentFragment: () => new Node("#fragment"),
};

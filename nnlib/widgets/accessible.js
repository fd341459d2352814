// Gives the controls of a widget container the accessible names ipywidgets 8 leaves out, and
// keeps them right as the widgets redraw (see AccessibleNames in _controls.py).
//
// Inside the container (the element with the class nnlib-accessible that holds this view):
// - a slider's handle (role="slider") is labelled by the slider's visible label, and announces
//   the value its readout shows (0.15), not its position in a list of values (19);
// - a slider's editable readout becomes a named text box;
// - an icon-only button (the Play widget's) gets a name and a tooltip from its icon;
// - the picture gets the model's "alt" text, which Python updates with every redraw;
// - the status line is a polite live region: a screen reader reads the new summary;
// - arrow keys, Home, End, Page Up/Down, Space and Enter on a control stay with the control:
//   JupyterLab's notebook shortcuts (ArrowDown selects the next cell) do not get them;
// - when a control is used, the kernel is asked to answer ("ping"); when no answer comes within
//   KERNEL_PATIENCE_MS (the kernel restarted or stopped: the controls move and nothing happens),
//   the container gets the class nnlib-kernel-gone, which shows its note saying to run the cell
//   again (an element with the class nnlib-reopen-hint), announced to screen readers.

const ICON_NAMES = {
  "fa-play": "play",
  "fa-pause": "pause",
  "fa-stop": "stop",
  "fa-retweet": "repeat",
  "fa-repeat": "repeat",
};
const CONTROL_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End",
                              "PageUp", "PageDown", " ", "Enter"]);
const KERNEL_PATIENCE_MS = 4000; // a busy kernel answers late, not never: be patient
let counter = 0;

function setAttribute(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function idOf(element) {
  if (!element.id) element.id = `nnlib-label-${Date.now().toString(36)}-${counter++}`;
  return element.id;
}

function nameSliders(root) {
  for (const slider of root.querySelectorAll(".widget-slider")) {
    const label = slider.querySelector(":scope > .widget-label");
    const handle = slider.querySelector(".noUi-handle");
    const readout = slider.querySelector(":scope > .widget-readout");
    const text = label ? label.textContent.trim() : "";
    if (handle && text) setAttribute(handle, "aria-labelledby", idOf(label));
    if (readout && text) {
      setAttribute(readout, "role", "textbox");
      setAttribute(readout, "aria-label", `${text}, typed value`);
    }
    const shown = readout ? readout.textContent.trim() : "";
    if (handle && shown) setAttribute(handle, "aria-valuetext", shown);
  }
}

function nameIconButtons(root) {
  for (const button of root.querySelectorAll("button")) {
    if (button.textContent.trim()) continue;
    const icon = button.querySelector("i");
    const found = icon && Object.keys(ICON_NAMES).find((c) => icon.classList.contains(c));
    const name = button.getAttribute("title") || (found && ICON_NAMES[found]);
    if (!name) continue;
    setAttribute(button, "aria-label", name);
    if (!button.getAttribute("title")) button.setAttribute("title", name);
    if (icon) setAttribute(icon, "aria-hidden", "true");
  }
}

function apply(root, model) {
  nameSliders(root);
  nameIconButtons(root);
  const alt = model.get("alt");
  for (const image of root.querySelectorAll("img.widget-image")) setAttribute(image, "alt", alt);
  for (const status of root.querySelectorAll(".nnlib-status")) setAttribute(status, "aria-live", "polite");
}

function keepKeys(event) {
  const control = event.target.closest("select, button, input, .noUi-handle, .widget-readout");
  if (control && CONTROL_KEYS.has(event.key)) event.stopPropagation();
}

function watchKernel(root, model) {
  let waiting = null;
  let sent = 0;
  const answered = (message) => {
    if (message && message.pong !== undefined) {
      clearTimeout(waiting);
      waiting = null;
      root.classList.remove("nnlib-kernel-gone");
    }
  };
  const ping = () => {
    if (waiting !== null) return;
    waiting = setTimeout(() => {
      root.classList.add("nnlib-kernel-gone");
      for (const hint of root.querySelectorAll(".nnlib-reopen-hint")) setAttribute(hint, "role", "alert");
      waiting = null;
    }, KERNEL_PATIENCE_MS);
    try {
      model.send({ ping: ++sent });
    } catch (error) {
      // no comm to send on: the timer says the kernel is gone
    }
  };
  model.on("msg:custom", answered);
  for (const kind of ["keydown", "pointerdown", "change"]) root.addEventListener(kind, ping, true);
  return () => {
    clearTimeout(waiting);
    model.off("msg:custom", answered);
    for (const kind of ["keydown", "pointerdown", "change"]) root.removeEventListener(kind, ping, true);
  };
}

function render({ model, el }) {
  let root = null;
  let observer = null;
  let scheduled = false;
  let removed = false;
  let unwatch = null;
  const update = () => {
    scheduled = false;
    if (root) apply(root, model);
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(update);
    }
  };
  const attach = () => {
    if (removed) return;
    root = el.closest(".nnlib-accessible");
    if (!root) {
      // not in the page yet: the container adds its children later, and JupyterLab may hold an
      // output that is scrolled far away out of the page until it comes near
      if (!el.isConnected) setTimeout(attach, 100);
      return;
    }
    observer = new MutationObserver(schedule);
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ["aria-valuetext", "class", "title"] });
    root.addEventListener("keydown", keepKeys);
    unwatch = watchKernel(root, model);
    update();
  };
  model.on("change:alt", schedule);
  attach();
  return () => {
    removed = true;
    if (observer) observer.disconnect();
    if (root) root.removeEventListener("keydown", keepKeys);
    if (unwatch) unwatch();
    model.off("change:alt", schedule);
  };
}

export default { render };

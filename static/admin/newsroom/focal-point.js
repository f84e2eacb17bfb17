/* The photo's focal point in the admin (articles.admin.photos.PhotoAdmin): the editor clicks
   on the preview where crops must keep the picture, or moves the point with the arrow keys
   (0.01 a press, 0.1 with Shift). The point is written into the two number inputs (focal_x,
   focal_y: fractions of the width and height, 0 to 1), which work on their own without this
   script; typing into them moves the marker.

   Under the site's Content-Security-Policy (no inline style): the marker is placed by CSS
   custom properties set through the CSSOM (element.style.setProperty), never a style
   attribute. */
"use strict";
{
    const STEP = 0.01;
    const BIG_STEP = 0.1;
    const KEYS = {
        ArrowLeft: [-1, 0],
        ArrowRight: [1, 0],
        ArrowUp: [0, -1],
        ArrowDown: [0, 1],
    };
    let count = 0;

    function round(value) {
        return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
    }

    // A fraction as the inputs hold it, or null if the input holds no fraction 0 to 1.
    function fraction(input) {
        const text = input.value.trim();
        const value = Number(text);
        return text !== "" && Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
    }

    function percent(value) {
        return `${Number((value * 100).toFixed(1))} %`;
    }

    function setUp(image) {
        const inputX = document.getElementById(image.dataset.focalXField);
        const inputY = document.getElementById(image.dataset.focalYField);
        if (!inputX || !inputY || image.closest(".focal-point")) {
            return;
        }
        count += 1;
        const picker = document.createElement("span");
        picker.className = "focal-point";
        const marker = document.createElement("span");
        marker.className = "focal-point-marker";
        marker.hidden = true;
        const status = document.createElement("p");
        status.className = "focal-point-status";
        status.id = `focal-point-status-${count}`;
        status.setAttribute("aria-live", "polite");
        const help = document.createElement("p");
        help.className = "help focal-point-help";
        help.id = `focal-point-help-${count}`;
        help.textContent =
            "Click the photo where crops must keep it in view, or focus it and use the arrow " +
            "keys (Shift for bigger steps).";

        image.replaceWith(picker);
        picker.append(image, marker);
        picker.after(status, help);
        image.tabIndex = 0;
        image.setAttribute("role", "application");
        image.setAttribute("aria-label", "Focal point of the photo");
        image.setAttribute("aria-describedby", `${status.id} ${help.id}`);
        image.draggable = false;

        // The marker and the status text for what the inputs hold.
        function show() {
            const x = fraction(inputX);
            const y = fraction(inputY);
            if (x === null || y === null) {
                marker.hidden = true;
                status.textContent = "Focal point: not set (each value is 0 to 1).";
                return;
            }
            picker.style.setProperty("--focal-x", String(x));
            picker.style.setProperty("--focal-y", String(y));
            marker.hidden = false;
            status.textContent = `Focal point: ${percent(x)} across, ${percent(y)} down`;
        }

        function write(x, y) {
            for (const [input, value] of [[inputX, x], [inputY, y]]) {
                const text = String(round(value));
                if (input.value !== text) {
                    input.value = text;
                    input.dispatchEvent(new Event("input", {bubbles: true}));
                    input.dispatchEvent(new Event("change", {bubbles: true}));
                }
            }
            show();
        }

        image.addEventListener("click", (event) => {
            const width = image.clientWidth;
            const height = image.clientHeight;
            if (!width || !height) {
                return;
            }
            write(event.offsetX / width, event.offsetY / height);
        });

        image.addEventListener("keydown", (event) => {
            const direction = KEYS[event.key];
            if (!direction || event.altKey || event.ctrlKey || event.metaKey) {
                return;
            }
            event.preventDefault();
            const step = event.shiftKey ? BIG_STEP : STEP;
            const x = fraction(inputX) ?? 0.5;
            const y = fraction(inputY) ?? 0.5;
            write(x + direction[0] * step, y + direction[1] * step);
        });

        inputX.addEventListener("input", show);
        inputY.addEventListener("input", show);
        show();
    }

    function setUpAll() {
        document.querySelectorAll("img[data-focal-x-field][data-focal-y-field]").forEach(setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUpAll);
    } else {
        setUpAll();
    }
}

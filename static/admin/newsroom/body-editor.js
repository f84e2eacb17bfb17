/* The article body's editor in the admin (articles.admin_editing.BodyEditorWidget): while the
   editor types, the preview shows the body as readers will see it (rendered by the server,
   exactly as on the public page) and the word count and reading time follow.

   The count must match articles.admin_editing.count_words: keep the two in step. */
"use strict";
{
    const DELAY = 300; // ms of quiet typing before the preview is asked for
    const WORDS_PER_MINUTE = 230;
    const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;
    const SPACES = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/u;
    const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

    function countWords(text) {
        const cjk = (text.match(CJK) || []).length;
        const words = text.replace(CJK, " ").split(SPACES).filter((token) => LETTER_OR_DIGIT.test(token));
        return cjk + words.length;
    }

    function describeReading(words) {
        const minutes = Math.ceil(words / WORDS_PER_MINUTE);
        return `${words.toLocaleString("en-US")} ${words === 1 ? "word" : "words"} · ${minutes} min read`;
    }

    function csrfToken(form) {
        const input = form && form.querySelector('input[name="csrfmiddlewaretoken"]');
        if (input) {
            return input.value;
        }
        const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
        return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
    }

    // A link in the preview opens in a new tab: following it here would leave the form.
    function keepLinksOffTheForm(preview) {
        for (const link of preview.querySelectorAll("a[href]")) {
            link.target = "_blank";
            link.rel = "noopener noreferrer";
        }
    }

    function setUp(editor) {
        const textarea = editor.querySelector("textarea");
        const preview = editor.querySelector(".body-editor-preview");
        const stats = editor.querySelector(".body-editor-stats");
        const status = editor.querySelector(".body-editor-status");
        if (!textarea || !preview || !stats || !status) {
            return;
        }
        const languageInput = editor.dataset.languageInput
            ? document.getElementById(editor.dataset.languageInput)
            : null;
        const maxBytes = Number(editor.dataset.maxBytes) || Infinity;
        const encoder = new TextEncoder();
        let timer = null;
        let controller = null;
        let sequence = 0;
        let shown = null; // the HTML last put in the preview

        function language() {
            return (languageInput && languageInput.value.trim()) || editor.dataset.language || "";
        }

        function say(message) {
            status.textContent = message;
        }

        function show(html) {
            if (html !== shown) {
                shown = html;
                preview.innerHTML = html; // render_body's output: the text in it is escaped
                keepLinksOffTheForm(preview);
            }
            const lang = language();
            if (lang) {
                preview.lang = lang;
            }
            stats.textContent = describeReading(countWords(preview.textContent));
        }

        async function refresh() {
            const text = textarea.value;
            if (encoder.encode(text).length > maxBytes) {
                say(editor.dataset.tooLong || "The body is too long to preview.");
                return;
            }
            if (controller) {
                controller.abort();
            }
            controller = new AbortController();
            const mine = ++sequence;
            const data = new FormData();
            data.append("body", text);
            data.append("language", language());
            try {
                const response = await fetch(editor.dataset.previewUrl, {
                    method: "POST",
                    body: data,
                    headers: { "X-CSRFToken": csrfToken(textarea.form) },
                    credentials: "same-origin",
                    signal: controller.signal,
                });
                const type = response.headers.get("Content-Type") || "";
                const answer = await response.text();
                if (mine !== sequence) {
                    return;
                }
                if (response.redirected) {
                    say("No preview: you are no longer logged in. Log in again in another tab; what you typed here is kept.");
                } else if (!response.ok) {
                    const reason = type.startsWith("text/plain") ? answer.trim() : "";
                    say(reason || `No preview: the server answered with error ${response.status}.`);
                } else {
                    say("");
                    show(answer);
                }
            } catch (error) {
                if (error.name !== "AbortError" && mine === sequence) {
                    say("No preview: the server cannot be reached. What you typed here is kept.");
                }
            }
        }

        function schedule() {
            clearTimeout(timer);
            timer = setTimeout(refresh, DELAY);
        }

        textarea.addEventListener("input", schedule);
        if (languageInput) {
            languageInput.addEventListener("input", schedule);
            languageInput.addEventListener("change", schedule);
        }
        keepLinksOffTheForm(preview);
        // The browser may have restored typed text (back button): the server's preview is
        // then out of date.
        if (textarea.value !== textarea.defaultValue || language() !== editor.dataset.language) {
            schedule();
        }
    }

    function setUpAll() {
        document.querySelectorAll(".body-editor").forEach(setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUpAll);
    } else {
        setUpAll();
    }
}

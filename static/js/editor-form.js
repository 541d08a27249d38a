/* The attribute form of a layer, generated from its field schema. */
"use strict";

window.EditorForm = (function () {
  const lang = document.getElementById("editor").dataset.lang;
  const english = lang === "en";
  const INPUT_TYPES = { text: "text", integer: "number", number: "number", date: "date", url: "url" };

  function text(th, en) { return english ? en : th; }

  function label(item) {
    return english ? item.label_en || item.label_th || item.name : item.label_th || item.label_en || item.name;
  }

  // The API writes every message as "Thai / English"; show the page's language.
  function message(value) {
    const parts = String(value).split(" / ");
    return parts.length === 2 ? parts[english ? 1 : 0] : String(value);
  }

  // "2024-03-15" -> "15/03/2567": Thai readers count years in the Buddhist era.
  function buddhistDate(value) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return match ? `พ.ศ. ${Number(match[3])}/${Number(match[2])}/${Number(match[1]) + 543}` : "";
  }

  function makeInput(field, value) {
    let input;
    if (field.type === "choice") {
      input = document.createElement("select");
      input.append(new Option("—", ""));
      for (const choice of field.choices || []) input.append(new Option(label(choice), choice.value));
      input.value = value ?? "";
    } else if (field.type === "boolean") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = Boolean(value);
    } else {
      input = document.createElement("input");
      input.type = INPUT_TYPES[field.type] || "text";
      if (field.type === "integer") input.step = "1";
      if (field.type === "number") input.step = "any";
      input.value = value ?? "";
    }
    input.id = "field-" + field.name;
    input.name = field.name;
    input.required = Boolean(field.required);
    return input;
  }

  // Fills `container` with one row per field; `values` win over the schema's defaults.
  function build(container, schema, values, onChange) {
    container.replaceChildren();
    for (const field of schema) {
      const row = document.createElement("div");
      row.className = "field field-" + field.type;
      const caption = document.createElement("label");
      caption.htmlFor = "field-" + field.name;
      caption.textContent = label(field);
      if (field.required) {
        const mark = document.createElement("abbr");
        mark.className = "required";
        mark.title = text("ต้องกรอก", "required");
        mark.textContent = " *";
        caption.append(mark);
      }
      const value = field.name in values ? values[field.name] : field.default;
      const input = makeInput(field, value);
      const line = document.createElement("div");
      line.className = "field-input";
      line.append(input);
      if (field.unit) {
        const unit = document.createElement("span");
        unit.className = "unit";
        unit.textContent = field.unit;
        line.append(unit);
      }
      if (field.type === "date") {
        const era = document.createElement("span");
        era.className = "era";
        era.textContent = buddhistDate(input.value);
        input.addEventListener("input", () => { era.textContent = buddhistDate(input.value); });
        line.append(era);
      }
      const error = document.createElement("div");
      error.className = "field-error";
      error.dataset.errorFor = field.name;
      row.append(caption, line, error);
      input.addEventListener("input", onChange);
      input.addEventListener("change", onChange);
      container.append(row);
    }
  }

  // The form's values as the API wants them (empty -> null clears the field).
  function read(container, schema) {
    const values = {};
    for (const field of schema) {
      const input = container.querySelector("#field-" + CSS.escape(field.name));
      if (field.type === "boolean") values[field.name] = input.checked;
      else if (input.value === "") values[field.name] = null;
      else if (field.type === "integer") values[field.name] = Number.parseInt(input.value, 10);
      else if (field.type === "number") values[field.name] = Number(input.value);
      else values[field.name] = input.value;
    }
    return values;
  }

  // Puts each API message next to its field; the rest go to `general`.
  function showErrors(container, general, errors) {
    container.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
    container.querySelectorAll(".field").forEach((el) => el.classList.remove("invalid"));
    const other = [];
    for (const [name, messages] of Object.entries(errors || {})) {
      const list = (Array.isArray(messages) ? messages : [messages]).map(message).join(" ");
      const slot = container.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (slot) {
        slot.textContent = list;
        slot.parentElement.classList.add("invalid");
      } else {
        other.push(list);
      }
    }
    return other;
  }

  return { text, label, message, buddhistDate, build, read, showErrors };
})();

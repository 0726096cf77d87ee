// dossier: the pages people use. Words come from the server (#texts), the
// referentiel's labels too (#referentiel); user data goes in with
// textContent only.
"use strict";
(function () {
  var REF = JSON.parse(document.getElementById("referentiel").textContent);
  var T = JSON.parse(document.getElementById("texts").textContent);
  var FINAL = { ready: true, rejected: true, failed: true };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") e.textContent = attrs[k];
        else if (k === "class") e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function enc(s) { return encodeURIComponent(s); }
  function say(msg, isError) {
    var s = document.getElementById("status");
    s.textContent = msg || "";
    s.className = isError ? "error" : "";
    s.hidden = !msg;
  }
  function date(s) {
    if (!s) return "";
    var d = new Date(s);
    return isNaN(d) ? s : d.toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric" });
  }
  function format(s, v) { return s.replace(/%[sd]/, v); }

  // api calls the JSON API; it resolves to {status, body}.
  function api(method, path, body, type) {
    var opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      opts.body = typeof body === "string" ? body : JSON.stringify(body);
      opts.headers["Content-Type"] = type || "application/json";
    }
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (t) {
        var b = null;
        try { b = t ? JSON.parse(t) : null; } catch (e) { b = null; }
        return { status: r.status, body: b };
      });
    });
  }
  function errorOf(r) {
    return (r.body && r.body.error && r.body.error.message) || T.apiError;
  }
  function modality(code) {
    for (var i = 0; i < REF.modalities.length; i++) if (REF.modalities[i].code === code) return REF.modalities[i];
    return { code: code, title: "", elements: {} };
  }
  function stateBadge(state) {
    return el("span", { class: "state " + state, text: T["state." + state] || state });
  }

  // ---- candidate -------------------------------------------------------

  function candidatePage(me) {
    var base = "/api/v1/sessions/" + enc(me.session) + "/candidates/" + enc(me.subject);
    api("GET", "/api/v1/sessions/" + enc(me.session)).then(function (r) {
      var box = document.getElementById("candidate-session");
      if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
      var s = r.body;
      box.appendChild(el("h2", { text: T.session + " : " + (s.title || s.id) }));
      if (s.deadline) box.appendChild(el("p", { text: T.deadline + " : " + date(s.deadline) }));
      if (s.jury_date) box.appendChild(el("p", { text: T.juryDate + " : " + date(s.jury_date) }));
    });
    var list = document.getElementById("documents");
    REF.modalities.forEach(function (m) { list.appendChild(documentCard(base, m)); });
  }

  function documentCard(base, m) {
    var path = base + "/documents/" + enc(m.code);
    var id = "doc-" + m.code;
    var card = el("article", { class: "card", id: id, "aria-labelledby": id + "-title" });
    card.appendChild(el("h2", { id: id + "-title", text: m.code + " – " + m.title }));
    var stateBox = el("div", { "aria-live": "polite" });
    card.appendChild(stateBox);
    var input = el("input", { type: "file", id: id + "-file", accept: ".pdf,.docx,.odt,.txt,application/pdf" });
    var drop = el("label", { class: "drop", for: id + "-file" }, [
      el("span", { class: "button", text: T.choose }), document.createTextNode(" "),
      el("span", { text: T.dropHere }), input]);
    card.appendChild(drop);
    var progress = el("progress", { max: "100", value: "0", hidden: "", "aria-label": T.uploading });
    card.appendChild(progress);
    var msg = el("p", { role: "status" });
    card.appendChild(msg);
    var timer = null;

    function show(rec) {
      stateBox.textContent = "";
      if (!rec) { stateBox.appendChild(el("p", { class: "muted", text: T.notUploaded })); return; }
      var p = el("p", {}, [stateBadge(rec.state)]);
      if (rec.current && rec.current.file_name) p.appendChild(el("span", { text: " " + T.file + " : " + rec.current.file_name }));
      stateBox.appendChild(p);
      if ((rec.state === "rejected" || rec.state === "failed") && rec.error) {
        stateBox.appendChild(el("p", { class: "error", text: rec.error.message }));
      }
      if (rec.state === "ready") {
        var missing = (rec.findings || []).filter(function (f) { return f.status === "missing"; });
        if (!missing.length) { stateBox.appendChild(el("p", { text: T.allFound })); return; }
        stateBox.appendChild(el("p", { text: T.missingTitle }));
        var ul = el("ul", { class: "missing" });
        missing.forEach(function (f) {
          var e = m.elements[f.id] || { label: f.id, missing: "" };
          ul.appendChild(el("li", {}, [el("strong", { text: e.label }),
            e.missing ? el("div", { class: "muted", text: e.missing }) : null]));
        });
        stateBox.appendChild(ul);
      }
    }
    function poll() {
      clearTimeout(timer);
      api("GET", path).then(function (r) {
        if (r.status === 404) { show(null); return; }
        if (r.status !== 200) { msg.textContent = errorOf(r); msg.className = "error"; timer = setTimeout(poll, 5000); return; }
        show(r.body);
        if (!FINAL[r.body.state]) timer = setTimeout(poll, 1000);
      }, function () { msg.textContent = T.apiError; timer = setTimeout(poll, 5000); });
    }
    function upload(file) {
      if (!file) return;
      clearTimeout(timer);
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", path + "?filename=" + enc(file.name));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      progress.hidden = false; progress.value = 0;
      msg.className = ""; msg.textContent = T.uploading;
      input.disabled = true;
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
      xhr.onload = function () {
        input.disabled = false; progress.hidden = true; input.value = "";
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300) {
          msg.textContent = T.uploaded;
          if (body && body.state) show(body);
          poll();
        } else {
          msg.className = "error"; msg.textContent = errorOf({ body: body });
          poll();
        }
      };
      xhr.onerror = function () {
        input.disabled = false; progress.hidden = true;
        msg.className = "error"; msg.textContent = T.apiError;
      };
      xhr.send(file);
    }
    input.addEventListener("change", function () { upload(input.files[0]); });
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
    });
    poll();
    return card;
  }

  // ---- assessor --------------------------------------------------------

  function assessorPage(me) {
    var form = document.getElementById("assessor-session");
    if (me.session) { assessorList(me, me.session); return; }
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      assessorList(me, form.elements.session.value.trim());
    });
  }

  function assessorList(me, session) {
    var box = document.getElementById("assessor-list");
    box.textContent = "";
    var sbase = "/api/v1/sessions/" + enc(session);
    api("GET", sbase + "/candidates").then(function (r) {
      if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
      if (!r.body.length) { box.appendChild(el("p", { text: T.noCandidates })); return; }
      r.body.forEach(function (c) { box.appendChild(assessorCard(me, sbase + "/candidates/" + enc(c.id), c)); });
    });
  }

  function fullName(c) {
    var name = c.last_name || c.birth_name || "";
    return ((c.first_names && c.first_names[0]) ? c.first_names[0] + " " : "") + name;
  }

  function assessorCard(me, base, c) {
    var id = "cand-" + c.id;
    var card = el("article", { class: "card", "aria-labelledby": id + "-title" });
    card.appendChild(el("h2", { id: id + "-title", text: fullName(c) + " (" + c.id + ")" }));
    var docs = el("ul", {});
    card.appendChild(docs);
    var findings = {}; // competence -> [{label, status}]
    var pending = REF.modalities.map(function (m) {
      var li = el("li", { text: m.code + " – " + m.title + " : " });
      docs.appendChild(li);
      var path = base + "/documents/" + enc(m.code);
      return api("GET", path).then(function (r) {
        if (r.status !== 200) { li.appendChild(el("span", { class: "muted", text: T.notUploaded })); return; }
        li.appendChild(stateBadge(r.body.state));
        if (r.body.state === "ready") {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("a", { href: path + "/sheet.pdf", text: T.sheet }));
        }
        (r.body.findings || []).forEach(function (f) {
          var e = m.elements[f.id] || { label: f.id };
          (f.competences || []).forEach(function (comp) {
            (findings[comp] = findings[comp] || []).push((T[f.status] || f.status) + " : " + e.label + " (" + m.code + ")");
          });
        });
      });
    });
    Promise.all(pending).then(function () {
      return api("GET", base + "/decisions");
    }).then(function (r) {
      if (r.status !== 200) { card.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
      card.appendChild(decisionsForm(me, base, c, r.body, findings));
    });
    return card;
  }

  function decisionsForm(me, base, c, sheet, findings) {
    var form = el("form", { "aria-label": T.decisions + " – " + c.id });
    form.appendChild(el("h3", { text: T.decisions }));
    var note = el("p", { role: "status", "aria-live": "polite" });
    var mine = {};
    (sheet.decisions || []).forEach(function (d) { if (d.assessor === me.subject) mine[d.competence] = d; });
    var locked = !!sheet.submitted;
    REF.competences.forEach(function (comp) {
      var d = mine[comp.code];
      var fid = "dec-" + c.id + "-" + comp.code;
      var fs = el("fieldset", {});
      fs.appendChild(el("legend", { text: comp.label }));
      fs.appendChild(el("p", { class: "muted", text: comp.text }));
      ["acquis", "non_acquis"].forEach(function (v) {
        var r = el("input", { type: "radio", name: comp.code, value: v, id: fid + "-" + v });
        if (d && d.verdict === v) r.checked = true;
        fs.appendChild(el("label", { class: "radio", for: fid + "-" + v }, [r,
          document.createTextNode(v === "acquis" ? T.acquis : T.nonAcquis)]));
      });
      var ta = el("textarea", { id: fid + "-comment", name: comp.code + ".comment", rows: "2" });
      // Pre-filled from the checker's findings: a reminder of what it saw, never a verdict.
      ta.textContent = d ? (d.comment || "") : (findings[comp.code] || []).join("\n");
      fs.appendChild(el("label", { for: fid + "-comment", text: T.comment }));
      fs.appendChild(ta);
      form.appendChild(fs);
    });
    var draft = el("button", { type: "button", class: "secondary", text: T.saveDraft });
    var submit = el("button", { type: "submit", text: T.submit });
    form.appendChild(draft); form.appendChild(document.createTextNode(" ")); form.appendChild(submit);
    form.appendChild(note);

    function lock(s) {
      Array.prototype.forEach.call(form.elements, function (x) { x.disabled = true; });
      note.className = "";
      note.textContent = format(T.submitted, date(s.submitted_at));
    }
    function save(submitted) {
      var decisions = [];
      REF.competences.forEach(function (comp) {
        var v = form.querySelector('input[name="' + comp.code + '"]:checked');
        if (!v) return;
        decisions.push({ competence: comp.code, verdict: v.value,
          comment: form.elements[comp.code + ".comment"].value });
      });
      api("PUT", base + "/decisions", { decisions: decisions, submitted: submitted }).then(function (r) {
        if (r.status !== 200) { note.className = "error"; note.textContent = errorOf(r); return; }
        if (r.body.submitted) lock(r.body); else { note.className = ""; note.textContent = T.saved; }
      });
    }
    draft.addEventListener("click", function () { save(false); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (window.confirm(T.confirmSubmit)) save(true);
    });
    if (locked) lock(sheet);
    return form;
  }

  // ---- admin -----------------------------------------------------------

  function adminPage(me) {
    ["import-session", "attest-session", "create-id"].forEach(function (i) {
      if (me.session) document.getElementById(i).value = me.session;
    });
    var create = document.getElementById("admin-create");
    create.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = create.querySelector(".result");
      var f = create.elements, s = { id: f.id.value.trim(), title: f.title.value.trim() };
      if (f.deadline.value) s.deadline = f.deadline.value + "T23:59:59Z";
      if (f.jury_date.value) s.jury_date = f.jury_date.value + "T00:00:00Z";
      api("POST", "/api/v1/sessions", s).then(function (r) {
        out.className = "result" + (r.status === 201 ? "" : " error");
        out.textContent = r.status === 201 ? T.created : errorOf(r);
      });
    });
    var imp = document.getElementById("admin-import");
    imp.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = imp.querySelector(".result");
      out.textContent = "";
      var file = imp.elements.file.files[0];
      if (!file) return;
      file.text().then(function (csv) {
        return api("POST", "/api/v1/sessions/" + enc(imp.elements.session.value.trim()) + "/candidates", csv, "text/csv");
      }).then(function (r) {
        var rep = r.body || {};
        if (!rep.created && r.status >= 300) { out.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        out.appendChild(el("p", { text: format(T.imported, (rep.created || []).length) }));
        if (rep.errors && rep.errors.length) {
          out.appendChild(el("p", { class: "error", text: T.badRows }));
          var ul = el("ul", {});
          rep.errors.forEach(function (x) {
            ul.appendChild(el("li", { text: "l. " + x.line + (x.candidate ? " (" + x.candidate + ")" : "") +
              (x.field ? " [" + x.field + "]" : "") + " : " + x.message }));
          });
          out.appendChild(ul);
        }
      });
    });
    var att = document.getElementById("admin-attest");
    att.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = att.querySelector(".result");
      api("POST", "/api/v1/sessions/" + enc(att.elements.session.value.trim()) + "/attestations").then(function (r) {
        out.className = "result" + (r.status < 300 ? "" : " error");
        out.textContent = r.status < 300 ? T.queued : errorOf(r);
      });
    });
  }

  // ---- start -----------------------------------------------------------

  var pages = { candidate: candidatePage, assessor: assessorPage, admin: adminPage };
  api("GET", "/api/v1/me").then(function (r) {
    if (r.status === 401) { say(T.notLoggedIn, true); return; }
    if (r.status !== 200) { say(errorOf(r), true); return; }
    var me = r.body, page = pages[me.role];
    if (!page) { say(T.roleUnknown, true); return; }
    say("");
    document.getElementById("who").textContent = me.subject + (me.session ? " · " + me.session : "");
    document.getElementById(me.role).hidden = false;
    page(me);
  }, function () { say(T.apiError, true); });
})();

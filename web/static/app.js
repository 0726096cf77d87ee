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
  // format puts its arguments in the placeholders (%s, %d) of s, in order;
  // placeholders beyond the arguments stay for another call.
  function format(s) { var args = arguments, i = 1; return s.replace(/%[sd]/g, function (m) { return i < args.length ? args[i++] : m; }); }

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
    document.title = T["title.candidate"];
    api("GET", "/api/v1/sessions/" + enc(me.session)).then(function (r) {
      var box = document.getElementById("candidate-session");
      if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
      var s = r.body;
      box.appendChild(el("h2", { text: T.session + " : " + (s.title || s.id) }));
      if (s.deadline) box.appendChild(el("p", { text: T.deadline + " : " + date(s.deadline) }));
      if (s.jury_date) box.appendChild(el("p", { text: T.juryDate + " : " + date(s.jury_date) }));
    });
    candidateResult(base);
    var list = document.getElementById("documents");
    REF.modalities.forEach(function (m) { list.appendChild(documentCard(base, m)); });
  }

  // candidateResult shows the jury's result and the attestation, once
  // the jury has met; before, when the result will come.
  function candidateResult(base) {
    var box = document.getElementById("candidate-result");
    api("GET", base + "/result").then(function (r) {
      box.textContent = "";
      box.hidden = false;
      box.appendChild(el("h2", { text: T.resultTitle }));
      if (r.status !== 200) { box.appendChild(el("p", { class: "muted", text: errorOf(r) })); return; }
      var res = r.body;
      var outcome = T["outcome." + res.outcome] || res.outcome;
      box.appendChild(el("p", { class: "outcome", text: format(T.resultOf, date(res.jury_date)) + " " + outcome }));
      if (res.blocs && res.blocs.length) {
        var ul = el("ul");
        res.blocs.forEach(function (code) {
          var b = REF.blocs.filter(function (x) { return x.code === code; })[0];
          ul.appendChild(el("li", { text: code + (b ? " – " + b.title : "") }));
        });
        box.appendChild(el("p", { text: T.blocsValidated }));
        box.appendChild(ul);
      }
      var a = res.attestation;
      if (a && a.revocation) {
        box.appendChild(el("p", { class: "error", text: format(T.attestationRevoked, a.number) }));
      } else if (a) {
        box.appendChild(el("p", {}, [el("a", { href: base + "/attestation.pdf", text: format(T.attestationDownload, a.number) })]));
      } else {
        box.appendChild(el("p", { class: "muted", text: T.attestationNotYet }));
      }
    });
  }

  function documentCard(base, m) {
    var path = base + "/documents/" + enc(m.code);
    var id = "doc-" + m.code;
    var card = el("article", { class: "card", id: id, "aria-labelledby": id + "-title" });
    card.appendChild(el("h2", { id: id + "-title", text: m.code + " – " + m.title }));
    var stateBox = el("div", { "aria-live": "polite" });
    card.appendChild(stateBox);
    var input = el("input", { type: "file", id: id + "-file", accept: ".pdf,.docx,.odt,.txt,application/pdf" });
    var chooseLabel = el("span", { class: "button", text: T.choose });
    // The visible words are the same on every card: the hidden ones name
    // the document, so that each field has a name of its own.
    var drop = el("label", { class: "drop", for: id + "-file" }, [
      chooseLabel, el("span", { class: "sr-only", text: " " + format(T.forDocument, m.code + " – " + m.title) }),
      document.createTextNode(" "), el("span", { text: T.dropHere }), input]);
    card.appendChild(drop);
    var lockBox = el("p", { class: "locked", hidden: "" });
    card.appendChild(lockBox);
    var progress = el("progress", { max: "100", value: "0", hidden: "", "aria-label": T.uploading + " " + m.code });
    card.appendChild(progress);
    var msg = el("p", { role: "status" });
    card.appendChild(msg);
    var timer = null;

    // elementList lists findings of one status, each with what the
    // candidate can do.
    function elementList(findings, status, title) {
      var fs = findings.filter(function (f) { return f.status === status; });
      if (!fs.length) return;
      stateBox.appendChild(el("h3", { class: "finding " + status, text: title }));
      var ul = el("ul", { class: "missing" });
      fs.forEach(function (f) {
        var e = m.elements[f.id] || { label: f.id, missing: "" };
        ul.appendChild(el("li", {}, [el("strong", { text: e.label }),
          e.missing ? el("div", { class: "muted", text: e.missing }) : null]));
      });
      stateBox.appendChild(ul);
    }
    function show(rec) {
      stateBox.textContent = "";
      chooseLabel.textContent = rec ? T.replace : T.choose;
      if (!rec) { stateBox.appendChild(el("p", { class: "muted", text: T.notUploaded })); return; }
      // Once the document is final its state says it all: the upload's
      // "received, processing" note would now mislead.
      if (FINAL[rec.state] && (!rec.pending || FINAL[rec.pending.state]) && msg.className !== "error") msg.textContent = "";
      lockBox.hidden = !rec.locked;
      lockBox.textContent = rec.locked || "";
      drop.hidden = !!rec.locked;
      var p = el("p", {}, [stateBadge(rec.state)]);
      if (rec.current && rec.current.file_name) p.appendChild(el("span", { text: " " + T.file + " : " + rec.current.file_name }));
      stateBox.appendChild(p);
      var pend = rec.pending;
      if (pend && (pend.state === "rejected" || pend.state === "failed")) {
        stateBox.appendChild(el("div", { class: "notice error" }, [
          el("p", { text: format(T.newRefused, pend.version.file_name) }),
          pend.error ? el("p", { text: pend.error.message }) : null]));
      } else if (pend) {
        stateBox.appendChild(el("p", { class: "notice" }, [stateBadge(pend.state),
          el("span", { text: " " + format(T.newPending, pend.version.file_name) })]));
      }
      if ((rec.state === "rejected" || rec.state === "failed") && rec.error) {
        stateBox.appendChild(el("p", { class: "error", text: rec.error.message }));
      }
      if (rec.state === "ready") {
        if (rec.language_notice) { stateBox.appendChild(el("p", { class: "notice", text: rec.language_notice })); return; }
        var fs = rec.findings || [];
        if (!fs.some(function (f) { return f.status !== "found"; })) { stateBox.appendChild(el("p", { text: T.allFound })); return; }
        elementList(fs, "missing", T.missingTitle);
        elementList(fs, "weak", T.weakTitle);
      }
    }
    function poll() {
      clearTimeout(timer);
      api("GET", path).then(function (r) {
        if (r.status === 404) { show(null); return; }
        if (r.status !== 200) { msg.textContent = errorOf(r); msg.className = "error"; timer = setTimeout(poll, 5000); return; }
        show(r.body);
        if (!FINAL[r.body.state] || (r.body.pending && !FINAL[r.body.pending.state])) timer = setTimeout(poll, 1000);
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
    document.title = T["title.assessor"];
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
    var docs = el("ul", { class: "docs" });
    card.appendChild(docs);
    var findings = {}; // competence -> [{label, status}]
    var records = {};  // modality -> document record
    var items = {};    // modality -> its list item
    var pending = REF.modalities.map(function (m) {
      var li = el("li", {}, [el("strong", { text: m.code + " – " + m.title + " : " })]);
      items[m.code] = li;
      docs.appendChild(li);
      var path = base + "/documents/" + enc(m.code);
      return api("GET", path).then(function (r) {
        if (r.status !== 200) { li.appendChild(el("span", { class: "muted", text: T.notUploaded })); return; }
        var rec = r.body;
        records[m.code] = rec;
        li.appendChild(stateBadge(rec.state));
        if (rec.state === "ready") {
          var name = rec.current.file_name || m.code;
          var isPDF = rec.current.format === "pdf";
          li.appendChild(el("div", { class: "doclinks" }, [
            el("a", { href: path + "/file", target: "_blank", rel: "noopener", class: "open-doc",
              text: isPDF ? format(T.openDocument, name) : format(T.downloadDocument, name) }),
            el("a", { href: path + "/sheet.pdf", text: T.sheet })]));
          if (rec.language_notice) li.appendChild(el("p", { class: "notice", text: rec.language_notice }));
          var text = textView(path, m, c.id);
          li.appendChild(findingsView(path, m, rec.current, text));
          li.appendChild(text.box);
        }
        if (rec.pending && !FINAL[rec.pending.state]) li.appendChild(el("p", { class: "muted", text: T.pendingForAssessor }));
        (rec.findings || []).forEach(function (f) {
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
      changedAfterGrading(r.body, records).forEach(function (code) {
        items[code].appendChild(el("p", { class: "notice error", text: T.changedAfterGrading }));
      });
      card.appendChild(decisionsForm(me, base, c, r.body, findings));
    });
    return card;
  }

  // changedAfterGrading returns the modalities whose current version is
  // not the one the decisions were submitted on.
  function changedAfterGrading(sheet, records) {
    if (!sheet.graded || !sheet.graded.length) return [];
    return Object.keys(records).filter(function (code) {
      var cur = records[code].current && records[code].current.sha256;
      var g = sheet.graded.filter(function (x) { return x.modality === code; })[0];
      return cur && (!g || g.sha256 !== cur);
    });
  }

  // textView is the text read from a document, page by page, its quotes
  // highlighted: how a DOCX or ODT is read in the page, and any document
  // next to its quotes. Read when first opened.
  function textView(path, m, cid) {
    var box = el("details", { class: "doctext", id: "text-" + cid + "-" + m.code }, [el("summary", { text: T.readText })]);
    var loaded = null, quotes = [];
    function load() {
      if (loaded) return loaded;
      loaded = api("GET", path + "/text").then(function (r) {
        if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        (r.body.pages || []).forEach(function (pg) {
          var sec = el("section", { class: "page-text", id: "text-" + cid + "-" + m.code + "-p" + pg.page, tabindex: "-1" },
            [el("h3", { class: "page-label", text: format(T.page, pg.page) })]);
          var body = el("div", { class: "text" });
          // Quotes are the document's own words; the spaces between them
          // may differ (a table row read as one line, its cells parted by
          // " | " in the text and by a space in the quote).
          var marks = quotes.filter(function (q) { return q.page === pg.page; }).map(function (q) {
            var re = new RegExp(q.quote.trim().split(/\s+/).map(function (w) {
              return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            }).join("[\\s|]+"));
            var found = re.exec(pg.text);
            return found ? { at: found.index, end: found.index + found[0].length, q: q } : null;
          }).filter(function (x) { return x; }).sort(function (a, b) { return a.at - b.at; });
          var pos = 0;
          marks.forEach(function (x) {
            if (x.at < pos) return;
            body.appendChild(document.createTextNode(pg.text.slice(pos, x.at)));
            body.appendChild(el("mark", { id: x.q.anchor, tabindex: "-1", text: pg.text.slice(x.at, x.end) }));
            pos = x.end;
          });
          body.appendChild(document.createTextNode(pg.text.slice(pos)));
          sec.appendChild(body);
          box.appendChild(sec);
        });
      });
      return loaded;
    }
    box.addEventListener("toggle", function () { if (box.open) load(); });
    return {
      box: box,
      // quote registers a quote and returns its anchor.
      quote: function (q) {
        var anchor = "q-" + cid + "-" + m.code + "-" + quotes.length;
        quotes.push({ page: q.page, quote: q.quote, anchor: anchor });
        return anchor;
      },
      // show opens the text at a quote, or at its page when the quote
      // is not found word for word in the text.
      show: function (anchor) {
        box.open = true;
        load().then(function () {
          var q = quotes.filter(function (x) { return x.anchor === anchor; })[0];
          var target = document.getElementById(anchor) ||
            (q && document.getElementById("text-" + cid + "-" + m.code + "-p" + q.page));
          if (target) { target.scrollIntoView({ block: "center" }); target.focus(); }
        });
      }
    };
  }

  // findingsView is the web view of a grading sheet's findings: each
  // element with what the checker saw, and the quotes with their pages,
  // each a link to its place in the document: its page in the PDF, or
  // the quote highlighted in the text of a DOCX or ODT. Read when first
  // opened.
  function findingsView(path, m, version, text) {
    var box = el("details", { class: "findings" }, [el("summary", { text: T.findingsTitle })]);
    var loaded = false;
    box.addEventListener("toggle", function () {
      if (!box.open || loaded) return;
      loaded = true;
      api("GET", path + "/findings").then(function (r) {
        if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        var ul = el("ul");
        (r.body.elements || []).forEach(function (f) {
          var e = m.elements[f.id] || { label: f.id };
          var li = el("li", {}, [el("strong", { text: e.label }), document.createTextNode(" – "),
            el("span", { class: "finding " + f.status, text: T[f.status] || f.status })]);
          if (f.competences && f.competences.length) li.appendChild(el("span", { class: "muted", text: " (" + f.competences.join(", ") + ")" }));
          (f.evidence || []).forEach(function (q) {
            var anchor = text.quote(q);
            var link;
            if (version.format === "pdf") {
              link = el("a", { class: "page", href: path + "/file#page=" + q.page, target: "_blank", rel: "noopener",
                title: T.openAtPage, text: format(T.page, q.page) });
            } else {
              link = el("a", { class: "page", href: "#" + anchor, text: format(T.page, q.page) });
              link.addEventListener("click", function (ev) { ev.preventDefault(); text.show(anchor); });
            }
            li.appendChild(el("blockquote", {}, [link, document.createTextNode(" : « " + q.quote + " »")]));
          });
          ul.appendChild(li);
        });
        box.appendChild(ul);
      });
    });
    return box;
  }

  function decisionsForm(me, base, c, sheet, findings) {
    var form = el("form", { "aria-label": T.decisions + " – " + c.id });
    form.appendChild(el("h3", { text: T.decisions }));
    var progress = el("p", { class: "progress", role: "status", "aria-live": "polite" });
    form.appendChild(progress);
    var note = el("p", { role: "status", "aria-live": "polite" });
    var mine = {};
    (sheet.decisions || []).forEach(function (d) { if (d.assessor === me.subject) mine[d.competence] = d; });
    var locked = !!sheet.submitted;
    var byCode = {};
    REF.competences.forEach(function (comp) { byCode[comp.code] = comp; });
    REF.blocs.forEach(function (b) {
      form.appendChild(el("h4", { text: b.code + " – " + b.title }));
      b.competences.forEach(function (code) {
        var comp = byCode[code];
        if (comp) form.appendChild(competenceField(comp));
      });
    });
    function competenceField(comp) {
      var d = mine[comp.code];
      var fid = "dec-" + c.id + "-" + comp.code;
      var fs = el("fieldset", {});
      fs.appendChild(el("legend", { text: comp.label }));
      fs.appendChild(el("p", { class: "muted", text: comp.text }));
      fs.appendChild(el("p", { class: "muted", text: T.evaluatedBy + " " + comp.modalities.map(function (m) {
        return m + (REF.modality_titles[m] ? " (" + REF.modality_titles[m] + ")" : "");
      }).join(", ") }));
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
      return fs;
    }
    var draft = el("button", { type: "button", class: "secondary", text: T.saveDraft });
    var submit = el("button", { type: "submit", text: T.submit });
    form.appendChild(draft); form.appendChild(document.createTextNode(" ")); form.appendChild(submit);
    // confirmBox asks, before an incomplete submission, for an explicit
    // confirmation, listing the competences left without a decision.
    var confirmBox = el("div", { class: "confirm", role: "alert", hidden: "" });
    form.appendChild(confirmBox);
    form.appendChild(note);

    function undecided() {
      return REF.competences.filter(function (comp) {
        return !form.querySelector('input[name="' + comp.code + '"]:checked');
      });
    }
    function count() {
      var n = REF.competences.length - undecided().length;
      progress.textContent = format(format(T.decidedCount, n), REF.competences.length);
    }
    form.addEventListener("change", function () { count(); confirmBox.hidden = true; });
    count();

    function lock(s) {
      Array.prototype.forEach.call(form.elements, function (x) { x.disabled = true; });
      confirmBox.hidden = true;
      note.className = "";
      note.textContent = format(T.submitted, date(s.submitted_at));
    }
    function save(submitted, confirmIncomplete) {
      var decisions = [];
      REF.competences.forEach(function (comp) {
        var v = form.querySelector('input[name="' + comp.code + '"]:checked');
        if (!v) return;
        decisions.push({ competence: comp.code, verdict: v.value,
          comment: form.elements[comp.code + ".comment"].value });
      });
      var body = { decisions: decisions, submitted: submitted };
      if (confirmIncomplete) body.confirm_incomplete = true;
      api("PUT", base + "/decisions", body).then(function (r) {
        if (r.status !== 200) { note.className = "error"; note.textContent = errorOf(r); return; }
        if (r.body.submitted) lock(r.body); else { note.className = ""; note.textContent = T.saved; }
      });
    }
    draft.addEventListener("click", function () { save(false); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var left = undecided();
      if (!left.length) {
        if (window.confirm(T.confirmSubmit)) save(true);
        return;
      }
      confirmBox.textContent = "";
      confirmBox.appendChild(el("p", { class: "error", text: format(T.undecidedTitle, left.length) }));
      confirmBox.appendChild(el("ul", {}, left.map(function (comp) { return el("li", { text: comp.label + " – " + comp.text }); })));
      confirmBox.appendChild(el("p", { text: T.undecidedExplain }));
      var yes = el("button", { type: "button", class: "danger", text: T.submitIncomplete });
      yes.addEventListener("click", function () { save(true, true); });
      var no = el("button", { type: "button", class: "secondary", text: T.backToForm });
      no.addEventListener("click", function () {
        confirmBox.hidden = true;
        var first = form.querySelector('input[name="' + left[0].code + '"]');
        if (first) first.focus();
      });
      confirmBox.appendChild(yes); confirmBox.appendChild(document.createTextNode(" ")); confirmBox.appendChild(no);
      confirmBox.hidden = false;
      yes.focus();
    });
    if (locked) lock(sheet);
    return form;
  }

  // ---- admin -----------------------------------------------------------

  function adminPage(me) {
    document.title = T["title.admin"];
    var select = document.getElementById("admin-session");
    var board = document.getElementById("admin-board");
    var current = "";

    function loadSessions(pick) {
      return api("GET", "/api/v1/sessions").then(function (r) {
        select.textContent = "";
        if (r.status !== 200) { say(errorOf(r), true); return; }
        if (!r.body.length) select.appendChild(el("option", { value: "", text: T.noSession }));
        r.body.forEach(function (s) {
          select.appendChild(el("option", { value: s.id, text: s.id + " – " + s.title }));
        });
        var want = pick || me.session || (r.body.length ? r.body[r.body.length - 1].id : "");
        if (want) { select.value = want; show(want); }
      });
    }
    function show(session) {
      if (!session) return;
      current = session;
      lastStarted = "";
      board.hidden = false;
      refreshPipeline();
      refreshCandidates();
      refreshRun();
    }
    document.getElementById("admin-pick").addEventListener("submit", function (e) {
      e.preventDefault();
      show(select.value);
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
        if (r.status === 201) { create.reset(); loadSessions(s.id); }
      });
    });

    function sbase() { return "/api/v1/sessions/" + enc(current); }
    function result(id, msg, isError) {
      var o = document.getElementById(id);
      o.className = "result" + (isError ? " error" : "");
      o.textContent = msg;
    }

    // Pipeline: counts per state and the documents to act on.
    function refreshPipeline() {
      api("GET", sbase() + "/pipeline").then(function (r) {
        var counts = document.getElementById("pipe-counts"), att = document.getElementById("pipe-attention");
        counts.textContent = ""; att.textContent = "";
        if (r.status !== 200) { result("pipe-result", errorOf(r), true); return; }
        var p = r.body;
        document.getElementById("pipe-summary").textContent = format(format(T.pipeSummary, p.candidates), p.expected);
        ["missing", "queued", "extracting", "checking", "rendering", "ready", "rejected", "failed"].forEach(function (st) {
          counts.appendChild(el("li", {}, [el("strong", { text: String(p.counts[st] || 0) }),
            el("span", { text: st === "missing" ? T.notUploadedShort : (T["state." + st] || st) })]));
        });
        if (p.stuck) counts.appendChild(el("li", { class: "error" }, [el("strong", { text: String(p.stuck) }), el("span", { text: T.stuck })]));
        document.getElementById("pipe-retry-all").disabled = !p.attention.some(function (d) { return d.retry; });
        if (!p.attention.length) { att.appendChild(el("p", { class: "muted", text: T.nothingToDo })); return; }
        var tbody = el("tbody");
        p.attention.forEach(function (d) {
          var action = el("td");
          if (d.retry) {
            var b = el("button", { type: "button", text: T.retry, "aria-label": T.retry + " " + d.candidate + " " + d.modality });
            b.addEventListener("click", function () {
              b.disabled = true;
              api("POST", sbase() + "/candidates/" + enc(d.candidate) + "/documents/" + enc(d.modality) + "/retry").then(function (r) {
                result("pipe-result", r.status === 202 ? format(T.retried, 1) : errorOf(r), r.status !== 202);
                refreshPipeline();
              });
            });
            action.appendChild(b);
          } else {
            action.appendChild(el("span", { class: "muted", text: T.newUploadNeeded }));
          }
          if (d.changed_after_grading && !d.retry && d.state !== "rejected") {
            action.textContent = "";
            action.appendChild(detailButton(d.candidate));
          }
          tbody.appendChild(el("tr", {}, [
            el("td", { text: d.candidate }), el("td", { text: d.modality }),
            el("td", {}, [stateBadge(d.state), d.pending ? el("span", { class: "muted", text: " " + T.pendingVersion }) : null,
              d.stuck ? el("span", { class: "error", text: " " + T.stuck }) : null,
              d.changed_after_grading ? el("p", { class: "error", text: T.changedAfterGrading }) : null]),
            el("td", { text: (d.error && d.error.message) || "" }), action]));
        });
        att.appendChild(el("div", { class: "table-wrap" }, [el("table", {}, [
          el("thead", {}, [el("tr", {}, [T.candidate, T.modality, T.state, T.reason, T.action].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
          tbody])]));
      });
    }
    document.getElementById("pipe-refresh").addEventListener("click", refreshPipeline);
    document.getElementById("pipe-retry-all").addEventListener("click", function () {
      api("POST", sbase() + "/retry").then(function (r) {
        if (r.status !== 200) { result("pipe-result", errorOf(r), true); return; }
        var msg = format(T.retried, r.body.retried.length);
        r.body.errors.forEach(function (x) { msg += " " + x.candidate + " " + x.modality + " : " + x.message; });
        result("pipe-result", msg, r.body.errors.length > 0);
        refreshPipeline();
      });
    });

    // Candidates: import, assessors, decisions, results.
    function refreshCandidates() {
      api("GET", sbase() + "/results").then(function (r) {
        var box = document.getElementById("cand-list");
        box.textContent = "";
        if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        if (!r.body.length) { box.appendChild(el("p", { class: "muted", text: T.noCandidatesYet })); return; }
        var tbody = el("tbody");
        r.body.forEach(function (row) { tbody.appendChild(candidateRow(row)); });
        box.appendChild(el("div", { class: "table-wrap" }, [el("table", {}, [
          el("thead", {}, [el("tr", {}, [T.candidate, T.name, T.assessors, T.decisions, T.result, T.attestation].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
          tbody])]));
      });
    }
    function candidateRow(row) {
      var c = row.candidate, cbase = sbase() + "/candidates/" + enc(c.id);
      var input = el("input", { value: (row.assessors || []).join(", "), "aria-label": T.assessors + " " + c.id, id: "assessors-" + c.id });
      var save = el("button", { type: "button", class: "secondary", text: T.save });
      var note = el("span", { role: "status" });
      save.addEventListener("click", function () {
        var names = input.value.split(/[,;\s]+/).filter(function (x) { return x; });
        api("PUT", cbase + "/assessors", { assessors: names }).then(function (r) {
          note.className = r.status === 200 ? "" : "error";
          note.textContent = r.status === 200 ? " " + T.saved2 : " " + errorOf(r);
        });
      });
      var decisions = el("td", { text: T["decisions." + row.decisions] || row.decisions });
      if (row.decisions === "submitted") {
        var reopen = el("button", { type: "button", class: "secondary", text: T.reopen });
        reopen.addEventListener("click", function () {
          if (!window.confirm(T.confirmReopen)) return;
          api("POST", cbase + "/decisions/reopen").then(function (r) {
            if (r.status !== 200) { decisions.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
            refreshCandidates();
          });
        });
        decisions.appendChild(document.createTextNode(" "));
        decisions.appendChild(reopen);
      }
      var outcome = row.result ? (T["outcome." + row.result.outcome] || row.result.outcome) : (row.problem || "");
      if (row.result && row.result.outcome === "validation_partielle") {
        outcome += " (" + row.result.blocs.filter(function (b) { return b.validated; }).map(function (b) { return b.bloc; }).join(", ") + ")";
      }
      return el("tr", {}, [el("td", {}, [detailButton(c.id)]), el("td", { text: fullName(c) }),
        el("td", {}, [input, save, note]), decisions, el("td", { text: outcome }), attestationCell(row, cbase)]);
    }
    // attestationCell shows the candidate's attestation: its number, and
    // either its revocation or the button that revokes it.
    function attestationCell(row, cbase) {
      var td = el("td", { text: row.attestation || "" });
      if (!row.attestation) return td;
      if (row.revocation) {
        td.appendChild(el("p", { class: "error", text: format(T.revoked, new Date(row.revocation.date).toLocaleDateString("fr-FR"), row.revocation.reason) }));
        return td;
      }
      var revoke = el("button", { type: "button", class: "secondary", text: T.revoke });
      revoke.addEventListener("click", function () {
        var reason = window.prompt(format(T.revokePrompt, row.attestation));
        if (!reason || !reason.trim()) return;
        api("POST", cbase + "/attestation/revocation", { reason: reason }).then(function (r) {
          if (r.status !== 201) { td.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
          refreshCandidates();
        });
      });
      td.appendChild(document.createTextNode(" "));
      td.appendChild(revoke);
      return td;
    }
    // The per-candidate view: documents with their versions, decisions,
    // result, attestation and history.
    function detailButton(id) {
      var b = el("button", { type: "button", class: "linkish", text: id, "aria-label": format(T.openDetail, id) });
      b.addEventListener("click", function () { showDetail(id); });
      return b;
    }
    var detail = document.getElementById("cand-detail");
    document.getElementById("cand-detail-close").addEventListener("click", function () { detail.hidden = true; });
    function table(heads, rows) {
      return el("div", { class: "table-wrap" }, [el("table", {}, [
        el("thead", {}, [el("tr", {}, heads.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
        el("tbody", {}, rows)])]);
    }
    function when(s) { return s ? new Date(s).toLocaleString("fr-FR") : ""; }
    // who names the author of a version or an event: "candidate:042" is
    // « candidat 042 ».
    function who(actor) {
      if (!actor) return "";
      var i = actor.indexOf(":");
      if (i < 0) return T["actor." + actor] || actor;
      return (T["actor." + actor.slice(0, i)] || actor.slice(0, i)) + " " + actor.slice(i + 1);
    }
    function showDetail(id) {
      var body = document.getElementById("cand-detail-body");
      var cbase = sbase() + "/candidates/" + enc(id);
      api("GET", cbase + "/overview").then(function (r) {
        body.textContent = "";
        detail.hidden = false;
        if (r.status !== 200) { body.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        var v = r.body;
        document.getElementById("cand-detail-title").textContent = format(T.detailTitle, fullName(v.candidate) + " (" + id + ")");
        body.appendChild(el("p", { text: T.assessors + " : " + ((v.assessors || []).join(", ") || "—") }));
        if (v.locked) body.appendChild(el("p", { class: "notice", text: v.locked }));

        body.appendChild(el("h3", { text: T.documents }));
        v.documents.forEach(function (d) {
          var m = modality(d.modality);
          body.appendChild(el("h4", { text: d.modality + " – " + m.title }));
          if (!d.record) { body.appendChild(el("p", { class: "muted", text: T.notUploaded })); return; }
          if (d.changed_after_grading) body.appendChild(el("p", { class: "error", text: T.changedAfterGrading }));
          var dpath = cbase + "/documents/" + enc(d.modality);
          body.appendChild(table([T.version, T.file, T.receivedAt, T.uploadedBy, T.state, T.action], d.versions.map(function (ver) {
            var action = el("td", {}, [el("a", { href: dpath + "/file?version=" + enc(ver.sha256), target: "_blank", rel: "noopener",
              text: T.open, "aria-label": T.open + " " + ver.file_name })]);
            if (ver.restorable) {
              var b = el("button", { type: "button", class: "secondary", text: T.restore, "aria-label": T.restore + " " + ver.file_name });
              b.addEventListener("click", function () {
                if (!window.confirm(T.confirmRestore)) return;
                api("POST", dpath + "/versions/" + enc(ver.sha256) + "/restore").then(function (rr) {
                  if (rr.status !== 202) { action.appendChild(el("p", { class: "error", text: errorOf(rr) })); return; }
                  setTimeout(function () { showDetail(id); }, 800);
                });
              });
              action.appendChild(document.createTextNode(" "));
              action.appendChild(b);
            }
            return el("tr", {}, [el("td", { text: T["role." + ver.role] || ver.role }), el("td", { text: ver.file_name }),
              el("td", { text: when(ver.received_at) }), el("td", { text: who(ver.uploaded_by) }),
              el("td", {}, [ver.state ? stateBadge(ver.state) : el("span", { class: "muted", text: T.replaced }),
                ver.error ? el("div", { class: "muted", text: ver.error.message }) : null]), action]);
          })));
        });

        body.appendChild(el("h3", { text: T.decisions + " – " + (T["decisions." + v.decisions] || v.decisions) }));
        var byComp = {};
        (v.sheet.decisions || []).forEach(function (d) { (byComp[d.competence] = byComp[d.competence] || []).push(d); });
        body.appendChild(table([T.competence, T.verdict, T.assessor, T.date, T.comment], REF.competences.map(function (comp) {
          var ds = byComp[comp.code] || [];
          if (!ds.length) return el("tr", {}, [el("td", { text: comp.label }), el("td", { class: "muted", text: T.undecided }), el("td"), el("td"), el("td")]);
          return el("tr", {}, [el("td", { text: comp.label }),
            el("td", { text: ds.map(function (d) { return d.verdict === "acquis" ? T.acquis : T.nonAcquis; }).join(" / ") }),
            el("td", { text: ds.map(function (d) { return d.assessor; }).join(" / ") }),
            el("td", { text: ds.map(function (d) { return when(d.date); }).join(" / ") }),
            el("td", { text: ds.map(function (d) { return d.comment || ""; }).join(" / ") })]);
        })));
        if (v.sheet.submitted) {
          var reopen = el("button", { type: "button", class: "secondary", text: T.reopenDecisions });
          reopen.addEventListener("click", function () {
            if (!window.confirm(T.confirmReopen)) return;
            api("POST", cbase + "/decisions/reopen").then(function (rr) {
              if (rr.status !== 200) { reopen.after(el("p", { class: "error", text: errorOf(rr) })); return; }
              showDetail(id);
              refreshCandidates();
            });
          });
          body.appendChild(el("p", {}, [document.createTextNode(format(T.submittedBy, v.sheet.submitted_by) + " " + when(v.sheet.submitted_at) + " "), reopen]));
        }
        if (v.undecided && v.undecided.length) body.appendChild(el("p", { class: "muted", text: T.undecided + " : " + v.undecided.join(", ") }));

        body.appendChild(el("h3", { text: T.result }));
        var outcome = v.result ? (T["outcome." + v.result.outcome] || v.result.outcome) : (v.problem || T.noResult);
        body.appendChild(el("p", { text: outcome }));
        var a = v.current_attestation;
        if (a) {
          body.appendChild(el("p", { text: T.attestation + " : " + a.number + (a.kind ? " (" + (T["kind." + a.kind] || a.kind) + ")" : "") }));
          if (a.revocation) body.appendChild(el("p", { class: "error", text: format(T.revokedOn, when(a.revocation.date)) + " " + (a.revocation.reason || "") }));
        }

        body.appendChild(el("h3", { text: T.history }));
        var dl = el("p", {}, [
          el("button", { type: "button", class: "secondary", "data-history": "history.csv", text: T.historyCSV }),
          document.createTextNode(" "),
          el("button", { type: "button", class: "secondary", "data-history": "history?download=1", text: T.historyJSON })]);
        Array.prototype.forEach.call(dl.querySelectorAll("button"), function (b) {
          b.addEventListener("click", function () {
            var what = b.getAttribute("data-history");
            fetch(cbase + "/" + what, { credentials: "same-origin" }).then(function (rr) {
              if (!rr.ok) return;
              return rr.blob().then(function (blob) { save(blob, "historique-" + current + "-" + id + (what === "history.csv" ? ".csv" : ".json")); });
            });
          });
        });
        body.appendChild(dl);
        body.appendChild(table([T.date, T.who, T.what, T.detail], (v.history || []).slice().reverse().map(function (e) {
          var what = T["action." + e.action] || e.action;
          var bits = [e.modality, e.file_name, e.competence, e.verdict ? (e.verdict === "acquis" ? T.acquis : T.nonAcquis) : "",
            e.state ? (T["state." + e.state] || e.state) : "", e.attestation].filter(function (x) { return x; });
          return el("tr", {}, [el("td", { text: when(e.at) }), el("td", { text: who(e.actor) }),
            el("td", { text: what + (bits.length ? " : " + bits.join(", ") : "") }), el("td", { text: e.detail || "" })]);
        })));
        detail.focus();
      });
    }

    var imp = document.getElementById("admin-import");
    imp.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = document.getElementById("import-result");
      out.textContent = "";
      var file = imp.elements.file.files[0];
      if (!file) return;
      file.text().then(function (csv) {
        return api("POST", sbase() + "/candidates", csv, "text/csv");
      }).then(function (r) {
        var rep = r.body || {};
        if (!rep.created && r.status >= 300) { out.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        out.appendChild(el("p", { text: format(T.imported, (rep.created || []).length) }));
        badRows(out, rep.errors);
        imp.reset();
        refreshCandidates();
        refreshPipeline();
      });
    });

    // badRows lists the rows of an imported file that were refused.
    function badRows(out, errors) {
      if (!errors || !errors.length) return;
      out.appendChild(el("p", { class: "error", text: T.badRows }));
      var ul = el("ul", {});
      errors.forEach(function (x) {
        ul.appendChild(el("li", { text: "l. " + x.line + (x.candidate ? " (" + x.candidate + ")" : "") +
          (x.field ? " [" + x.field + "]" : "") + " : " + x.message }));
      });
      out.appendChild(ul);
    }

    // E2 scores.
    var scores = document.getElementById("scores-import");
    scores.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = document.getElementById("scores-result");
      out.textContent = "";
      var file = scores.elements.file.files[0];
      if (!file) return;
      file.text().then(function (csv) {
        return api("POST", sbase() + "/scores", csv, "text/csv");
      }).then(function (r) {
        if (r.status !== 200) { out.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        out.appendChild(el("p", { text: format(T.scoresImported, r.body.updated.length) }));
        badRows(out, r.body.errors);
        scores.reset();
        refreshCandidates();
      });
    });

    // Login links.
    // csvCell is httpapi's safeCell (httpapi/csv.go) for the one CSV the
    // browser writes: a cell starting with = + - @, a tab or a carriage
    // return gets a leading apostrophe, so that a spreadsheet reads it as
    // text, not as a formula (CSV injection); then quoted if it must be.
    function csvCell(v) {
      v = String(v == null ? "" : v);
      if (/^[=+\-@\t\r]/.test(v)) { v = "'" + v; }
      return /[";\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
    }
    function save(blob, name) {
      var a = el("a", { href: URL.createObjectURL(blob), download: name, hidden: "", text: name });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
    document.getElementById("links-download").addEventListener("click", function () {
      api("POST", sbase() + "/tokens").then(function (r) {
        if (r.status !== 201) { result("links-result", errorOf(r), true); return; }
        var lines = ["numero_candidat;nom;prenoms;courriel;lien;valable_jusqu_au"];
        r.body.forEach(function (l) {
          lines.push([l.candidate, l.last_name, (l.first_names || []).join(" "), l.email, location.origin + l.login_path, l.expires_at].map(csvCell).join(";"));
        });
        save(new Blob(["\uFEFF" + lines.join("\r\n") + "\r\n"], { type: "text/csv" }), "liens-" + current + ".csv");
        result("links-result", format(T.linksReady, r.body.length), false);
      });
    });
    var alink = document.getElementById("assessor-link");
    alink.addEventListener("submit", function (e) {
      e.preventDefault();
      api("POST", "/api/v1/tokens", { role: "assessor", session: current, subject: alink.elements.subject.value.trim() }).then(function (r) {
        var out = document.getElementById("assessor-link-result");
        out.textContent = "";
        if (r.status !== 201) { result("assessor-link-result", errorOf(r), true); return; }
        out.className = "result";
        var id = "assessor-link-value";
        out.appendChild(el("label", { for: id, text: format(T.assessorLink, r.body.claims.subject) }));
        var input = el("input", { id: id, readonly: "", value: location.origin + r.body.login_path });
        out.appendChild(input);
        input.select();
      });
    });

    // Attestations and exports.
    // refreshRun shows the last attestation run. With waitFor set (the
    // start of the run shown when the admin asked for a new one, or "" if
    // none), it polls until a newer run has finished.
    var runTimer = null, lastStarted = "";
    function refreshRun(waitFor) {
      clearTimeout(runTimer);
      var again = function () { runTimer = setTimeout(function () { refreshRun(waitFor); }, 1000); };
      api("GET", sbase() + "/attestations/run").then(function (r) {
        var box = document.getElementById("attest-status");
        if (r.status === 404) { if (waitFor !== undefined) again(); return; }
        box.textContent = "";
        if (r.status !== 200) { box.appendChild(el("p", { class: "error", text: errorOf(r) })); return; }
        var run = r.body;
        lastStarted = run.started_at;
        box.appendChild(el("p", { class: run.state === "failed" ? "error" : "", text: (T["run." + run.state] || run.state) +
          (run.finished_at ? " (" + new Date(run.finished_at).toLocaleString("fr-FR") + ")" : "") }));
        if (run.error) box.appendChild(el("p", { class: "error", text: run.error.message }));
        if (run.not_before) box.appendChild(el("p", { text: format(T.runNotBefore, new Date(run.not_before).toLocaleDateString("fr-FR")) }));
        var ul = el("ul");
        ul.appendChild(el("li", { text: format(T.runIssued, (run.issued || []).length) }));
        ul.appendChild(el("li", { text: format(T.runUnchanged, run.unchanged || 0) }));
        if (run.not_submitted && run.not_submitted.length) ul.appendChild(el("li", { text: T.runNotSubmitted + " " + run.not_submitted.join(", ") }));
        if (run.incomplete && run.incomplete.length) ul.appendChild(el("li", { text: T.runIncomplete + " " + run.incomplete.join(", ") }));
        box.appendChild(ul);
        // Per candidate, why nothing was issued.
        if (run.problems && run.problems.length) {
          var tbody = el("tbody");
          run.problems.forEach(function (p) {
            tbody.appendChild(el("tr", {}, [el("td", { text: p.candidate }), el("td", { text: p.message })]));
          });
          box.appendChild(el("p", { text: T.runWithheld }));
          box.appendChild(el("div", { class: "table-wrap" }, [el("table", { id: "attest-withheld" }, [
            el("thead", {}, [el("tr", {}, [T.candidate, T.reason].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
            tbody])]));
        }
        if (waitFor === undefined) return;
        if (run.started_at === waitFor || run.state === "running" || run.state === "retrying") again();
        else refreshCandidates();
      });
    }
    document.getElementById("attest-run").addEventListener("click", function () {
      var box = document.getElementById("attest-status");
      var before = lastStarted;
      api("POST", sbase() + "/attestations").then(function (r) {
        box.textContent = "";
        box.appendChild(el("p", { class: r.status < 300 ? "" : "error", text: r.status < 300 ? T.queued : errorOf(r) }));
        if (r.status < 300) runTimer = setTimeout(function () { refreshRun(before); }, 500);
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-download]"), function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-download");
        result("download-result", T.downloading, false);
        fetch(sbase() + "/" + what, { credentials: "same-origin" }).then(function (r) {
          if (!r.ok) {
            return r.json().then(function (body) { result("download-result", errorOf({ body: body }), true); },
              function () { result("download-result", T.apiError, true); });
          }
          return r.blob().then(function (blob) {
            var ext = what.slice(what.lastIndexOf("."));
            save(blob, what.slice(0, what.lastIndexOf(".")) + "-" + current + ext);
            result("download-result", format(T.downloaded, b.textContent), false);
          });
        }, function () { result("download-result", T.apiError, true); });
      });
    });

    loadSessions();
  }

  // ---- start -----------------------------------------------------------

  var pages = { candidate: candidatePage, assessor: assessorPage, admin: adminPage };
  api("GET", "/api/v1/me").then(function (r) {
    // An expired link says whom to ask; no link at all, how to sign in.
    if (r.status === 401) { say(/expir/.test(errorOf(r)) ? errorOf(r) : T.notLoggedIn, true); return; }
    if (r.status !== 200) { say(errorOf(r), true); return; }
    var me = r.body, page = pages[me.role];
    if (!page) { say(T.roleUnknown, true); return; }
    say("");
    document.getElementById("who").textContent = me.subject + (me.session ? " · " + me.session : "");
    document.getElementById(me.role).hidden = false;
    page(me);
  }, function () { say(T.apiError, true); });
})();

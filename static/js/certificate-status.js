// While a certificate is being prepared, poll its status and swap in the
// download link when it is issued, so the learner never needs to reload.
(function () {
  "use strict";
  document.querySelectorAll("[data-certificate-status][data-status=pending]").forEach(function (box) {
    var url = box.getAttribute("data-status-url");
    var delay = 2000;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.status === "issued") {
            box.setAttribute("data-status", "issued");
            box.innerHTML = "";
            var p = document.createElement("p");
            var strong = document.createElement("strong");
            strong.textContent = "Your certificate is ready. ";
            var link = document.createElement("a");
            link.className = "button";
            link.href = body.download_url;
            link.textContent = "Download certificate (PDF)";
            p.appendChild(strong);
            p.appendChild(link);
            var code = document.createElement("p");
            code.className = "muted";
            code.appendChild(document.createTextNode("Verification code "));
            var codeEl = document.createElement("code");
            codeEl.textContent = body.code;
            code.appendChild(codeEl);
            code.appendChild(document.createTextNode(" · "));
            var verify = document.createElement("a");
            verify.href = body.verify_url;
            verify.textContent = "public verification page";
            code.appendChild(verify);
            if (body.credential_url) {
              code.appendChild(document.createTextNode(" · "));
              var credential = document.createElement("a");
              credential.href = body.credential_url;
              credential.setAttribute("download", "");
              credential.textContent = "Digital credential (.json)";
              code.appendChild(credential);
              code.appendChild(document.createTextNode(" · "));
              var linkedin = document.createElement("a");
              linkedin.href = body.linkedin_url;
              linkedin.textContent = "Add to LinkedIn";
              code.appendChild(linkedin);
            }
            box.appendChild(p);
            box.appendChild(code);
            return;
          }
          delay = Math.min(delay * 1.5, 15000);
          setTimeout(poll, delay);
        })
        .catch(function () { setTimeout(poll, 15000); });
    }
    setTimeout(poll, delay);
  });
})();

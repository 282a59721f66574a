#include "agent/ingress_error_page.h"

#include "common/html_escape.h"

namespace cara::agent {

std::string IngressErrorPage(const std::string& detail) {
  return R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>502 Bad Gateway</title>
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f7f9;color:#1f2328}
main{text-align:center;padding:2rem}
h1{font-size:4.5rem;margin:0;color:#cf222e}
h2{font-weight:500;margin:.25rem 0 1rem}
p{color:#57606a;margin:0}
footer{margin-top:2.5rem;font-size:.85rem;color:#8c959f}
</style>
</head>
<body>
<main>
<h1>502</h1>
<h2>Bad Gateway</h2>
<p>)" + HtmlEscape(detail) +
         R"(</p>
<footer>Caravanserai Proxy</footer>
</main>
</body>
</html>
)";
}

}  // namespace cara::agent

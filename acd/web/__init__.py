"""Agent desktop and wallboard assets (HTML, CSS, JS modules), served by acd.api.pages."""

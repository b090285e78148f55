using System.Globalization;
using System.Net;
using System.Text;
using WorkingPoint.Lab;

namespace WorkingPoint.Server.DashboardPages;

/// <summary>
/// Builds one dashboard page. Every piece of text goes through <see cref="Text"/> or <see cref="E"/> (HTML-encoded): device names,
/// labels, model names and messages come from agents and users. No inline script or style, so the page runs under CSP default-src 'self'.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _body = new();

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>A figure with three significant digits (two decimals below 10), or "—".</summary>
    public static string N(double? value) => value is { } v && double.IsFinite(v)
        ? v.ToString(Math.Abs(v) >= 100 ? "0" : Math.Abs(v) >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture)
        : "—";

    public static string Time(DateTimeOffset? time) => time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "—";

    public static string Query(params (string Name, string? Value)[] pairs) =>
        string.Join("&", pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}"));

    /// <summary>Markup already built from encoded parts.</summary>
    public Html Raw(string markup)
    {
        _body.Append(markup);
        return this;
    }

    public Html Text(string? text)
    {
        _body.Append(E(text));
        return this;
    }

    public Html Heading(string text, int level = 1) => Raw($"<h{level}>").Text(text).Raw($"</h{level}>\n");

    public Html Paragraph(string text, string? cssClass = null) => Raw(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Text(text).Raw("</p>\n");

    /// <summary>A table from encoded cells; <paramref name="header"/> is plain text.</summary>
    public Html Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? id = null)
    {
        Raw(id is null ? "<table>\n<thead><tr>" : $"<table id=\"{E(id)}\">\n<thead><tr>");
        foreach (var h in header)
        {
            Raw("<th>").Text(h).Raw("</th>");
        }

        Raw("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            Raw("<tr>").Raw(string.Concat(row.Select(c => c.StartsWith("<td", StringComparison.Ordinal) ? c : $"<td>{c}</td>"))).Raw("</tr>\n");
        }

        return Raw("</tbody>\n</table>\n");
    }

    /// <summary>A definition list of (label, encoded value) pairs.</summary>
    public Html Facts(IEnumerable<(string Label, string Value)> facts)
    {
        Raw("<dl class=\"facts\">\n");
        foreach (var (label, value) in facts)
        {
            Raw("<dt>").Text(label).Raw("</dt><dd>").Raw(value).Raw("</dd>\n");
        }

        return Raw("</dl>\n");
    }

    public static string Link(string href, string text) => $"<a href=\"{E(href)}\">{E(text)}</a>";

    public static string Image(string src, string alt) => $"<figure><img src=\"{E(src)}\" alt=\"{E(alt)}\" width=\"900\" height=\"520\"></figure>";

    /// <summary>The whole page: head, navigation with the viewer and a logout button, and the body built so far.</summary>
    public string Page(string title, LabPrincipal? viewer, string? current = null)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Append(CultureInfo.InvariantCulture, $"<title>{E(title)} — WorkingPoint lab</title>\n");
        page.Append(CultureInfo.InvariantCulture, $"<link rel=\"stylesheet\" href=\"{DashboardRoutes.Stylesheet}\">\n<link rel=\"icon\" href=\"{DashboardRoutes.Icon}\" type=\"image/svg+xml\">\n</head>\n<body>\n");
        if (viewer is not null)
        {
            page.Append("<nav>\n<span class=\"brand\">WorkingPoint lab</span>\n");
            foreach (var (href, name) in DashboardRoutes.Navigation)
            {
                page.Append(CultureInfo.InvariantCulture, $"<a href=\"{href}\"{(current == href ? " class=\"current\"" : string.Empty)}>{E(name)}</a>\n");
            }

            page.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"{DashboardRoutes.Logout}\" class=\"logout\"><span class=\"viewer\">{E(viewer.Name)} ({E(viewer.Role.ToString().ToLowerInvariant())})</span> <button type=\"submit\">Log out</button></form>\n</nav>\n");
        }

        page.Append("<main>\n").Append(_body).Append("</main>\n</body>\n</html>\n");
        return page.ToString();
    }
}

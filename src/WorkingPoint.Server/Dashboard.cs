using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WorkingPoint.Lab;
using WorkingPoint.Server.DashboardPages;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace WorkingPoint.Server;

/// <summary>The lab's server-rendered pages: devices, jobs, results, one result, two compared, the platforms × models matrix and use cases.</summary>
public static class Dashboard
{
    /// <summary>The dashboard over the built-in catalog with no use cases (what <see cref="LabServer"/> maps until it passes its own options).</summary>
    public static WebApplication MapDashboard(this WebApplication app, ILabStore store) =>
        app.MapDashboard(store, new DashboardOptions(Catalog.Catalog.BuiltIn, []));

    public static WebApplication MapDashboard(this WebApplication app, ILabStore store, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var pages = new Pages(store, options);
        var stylesheet = Resource("dashboard.css");

        app.MapGet(DashboardRoutes.Stylesheet, () => HttpResults.Text(stylesheet, "text/css; charset=utf-8"));
        app.MapGet(DashboardRoutes.Icon, () => HttpResults.Text(IconSvg, "image/svg+xml"));
        app.MapGet(DashboardRoutes.Login, (HttpContext context) => Html(Pages.Login(context.Request.Query["return"], error: null)));
        app.MapPost(DashboardRoutes.Login, async Task<IResult> (HttpContext context) =>
        {
            if (!DashboardAuth.IsSameOrigin(context.Request))
            {
                return HttpResults.Text("A login form must be posted from this dashboard's own page.", statusCode: StatusCodes.Status403Forbidden);
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            var token = form["token"].ToString().Trim();
            var back = form["return"].ToString();
            var principal = token.Length == 0 ? null : await store.VerifyTokenAsync(token, context.RequestAborted).ConfigureAwait(false);
            if (principal is null)
            {
                return Html(Pages.Login(back, "That token is unknown or revoked: paste a reader token (wpt tokens create NAME --role reader)."), StatusCodes.Status401Unauthorized);
            }

            if (!DashboardAuth.CanView(principal))
            {
                return Html(Pages.Login(back, "An agent token cannot view the dashboard: use a reader, submitter or admin token."), StatusCodes.Status403Forbidden);
            }

            DashboardAuth.SignIn(context, token);
            return HttpResults.Redirect(DashboardAuth.SafeReturn(back));
        });
        app.MapPost(DashboardRoutes.Logout, (HttpContext context) =>
        {
            if (!DashboardAuth.IsSameOrigin(context.Request))
            {
                return HttpResults.Text("A logout form must be posted from this dashboard's own page.", statusCode: StatusCodes.Status403Forbidden);
            }

            DashboardAuth.SignOut(context);
            return HttpResults.Redirect(DashboardRoutes.Login);
        });

        var viewer = app.MapGroup(string.Empty).AddEndpointFilter((invocation, next) => DashboardAuth.RequireViewer(store, invocation, next));
        viewer.MapGet(DashboardRoutes.Home, () => HttpResults.Redirect(DashboardRoutes.Devices));
        viewer.MapGet(DashboardRoutes.Devices, async Task<IResult> (HttpContext c) => Html(await pages.DevicesAsync(DashboardAuth.Viewer(c), c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet(DashboardRoutes.Jobs, async Task<IResult> (HttpContext c) => Html(await pages.JobsAsync(DashboardAuth.Viewer(c), c.Request.Query["state"], c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet(DashboardRoutes.Results, async Task<IResult> (HttpContext c) => Html(await pages.ResultsAsync(DashboardAuth.Viewer(c), c.Request.Query, c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet(DashboardRoutes.Results + "/{id:long}", async Task<IResult> (HttpContext c, long id) => Html(await pages.ResultAsync(DashboardAuth.Viewer(c), id, c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet(DashboardRoutes.Compare, async Task<IResult> (HttpContext c) => Html(await pages.CompareAsync(DashboardAuth.Viewer(c), c.Request.Query["id"], c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet(DashboardRoutes.Matrix, async Task<IResult> (HttpContext c) => Html(await pages.MatrixAsync(DashboardAuth.Viewer(c), c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet(DashboardRoutes.UseCases, (HttpContext c) => Html(pages.UseCaseList(DashboardAuth.Viewer(c))));
        viewer.MapGet(DashboardRoutes.UseCases + "/{index:int}", async Task<IResult> (HttpContext c, int index) => Html(await pages.UseCaseAsync(DashboardAuth.Viewer(c), index, c.RequestAborted).ConfigureAwait(false)));
        viewer.MapGet("/plots/results/{id:long}/{plot}.svg", async Task<IResult> (HttpContext c, long id, string plot) =>
        {
            var svg = await pages.PlotAsync(id, plot, c.RequestAborted).ConfigureAwait(false);
            if (svg is null)
            {
                return HttpResults.NotFound();
            }

            c.Response.Headers.CacheControl = "private, max-age=300";
            return HttpResults.Text(svg, "image/svg+xml");
        });
        return app;
    }

    private static IResult Html(PageOutcome page, int status = StatusCodes.Status200OK) =>
        HttpResults.Content(page.Html, "text/html; charset=utf-8", statusCode: page.Status ?? status);

    private static IResult Html(string html, int status = StatusCodes.Status200OK) => HttpResults.Content(html, "text/html; charset=utf-8", statusCode: status);

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"WorkingPoint.Server.Dashboard.{name}")
            ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded in the server assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private const string IconSvg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#0969da\"/><path d=\"M3 12 L7 6 L10 9 L13 4\" stroke=\"#fff\" stroke-width=\"1.6\" fill=\"none\"/></svg>";
}

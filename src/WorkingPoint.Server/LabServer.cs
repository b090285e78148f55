using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkingPoint.Lab;
using WorkingPoint.Results;
using WorkingPoint.Server.DashboardPages;
using WorkingPoint.Server.Api;

namespace WorkingPoint.Server;

/// <summary>How to start a lab server.</summary>
/// <param name="Store">The lab's database.</param>
/// <param name="Urls">Where to listen, e.g. "http://127.0.0.1:5180".</param>
public sealed record LabServerOptions(ILabStore Store, string Urls)
{
    /// <summary>How long a claim or heartbeat holds a job.</summary>
    public TimeSpan Lease { get; init; } = LabApi.DefaultLease;

    /// <summary>How often running jobs with lapsed leases are returned to the queue.</summary>
    public TimeSpan RequeueInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The server's clock (leases, last-seen times).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The least the server logs (warnings by default: a lab server's console stays quiet unless something is wrong).</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;

    /// <summary>The dashboard's catalog (predictions in the matrix) and use cases; null: the built-in catalog and none.</summary>
    public DashboardOptions? Dashboard { get; init; }
}

/// <summary>Builds the lab server: the API (<see cref="LabApiEndpoints"/>) and the dashboard (<see cref="Dashboard"/>) over one store.</summary>
public static class LabServer
{
    public static WebApplication Build(LabServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = LabApi.MaxRequestBytes;
        });
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);

        var settings = new LabApiSettings(options.Lease, options.Clock);
        builder.Services.AddSingleton(options.Store);
        builder.Services.AddSingleton(settings);
        builder.Services.AddHostedService(services => new LapsedLeaseRequeuer(options.Store, settings, options.RequeueInterval, services.GetRequiredService<ILogger<LapsedLeaseRequeuer>>()));
        // The OpenAPI schemas follow the wire form of ResultJson.Options (camelCase, enums by name); replies are written with it directly.
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.NumberHandling = ResultJson.Options.NumberHandling;
            json.SerializerOptions.DefaultIgnoreCondition = ResultJson.Options.DefaultIgnoreCondition;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, configureOptions: null);
        builder.Services.AddAuthorization(LabPolicies.Add);
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer<OpenApiBearer>());

        var app = builder.Build();
        app.UseSecurityHeaders();
        app.UseApiErrors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapLabApi(options.Store);
        if (options.Dashboard is { } dashboard)
        {
            app.MapDashboard(options.Store, dashboard);
        }
        else
        {
            app.MapDashboard(options.Store);
        }

        return app;
    }
}

using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WorkingPoint.Server.Api;

/// <summary>Describes the bearer token scheme in the OpenAPI document and requires it of every API operation (health and the document itself are open).</summary>
internal sealed class OpenApiBearer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "WorkingPoint lab API";
        document.Info.Description = "Devices, jobs and results of a wpt device lab. Every /api/v1 call carries Authorization: Bearer TOKEN; the token's role (agent, reader, submitter, admin) decides what it may call. Errors carry {\"error\": \"problem; fix\"}.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerTokenHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A lab token (wpt serve --create-token NAME --role ROLE, or POST /api/v1/tokens with an admin token).",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerTokenHandler.SchemeName, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith(WorkingPoint.Lab.LabApi.Prefix, StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(requirement);
            }
        }

        return Task.CompletedTask;
    }
}

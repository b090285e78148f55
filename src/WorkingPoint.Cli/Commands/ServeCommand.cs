using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Server.DashboardPages;
using System.ComponentModel;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Lab;
using WorkingPoint.Server;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt serve</c>: the lab server (API and dashboard) over PostgreSQL (<c>--database</c> or <c>$WPT_LAB_DATABASE</c>) or, without a
/// connection string, a SQLite file; <c>--create-token NAME --role ROLE</c> makes a token instead (the first admin's, an agent's),
/// prints its secret once and exits. Ctrl-C or SIGTERM stops the server cleanly (exit 0).
/// </summary>
public sealed class ServeCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : AsyncCommand<ServeCommand.Settings>
{
    public const string DatabaseVariable = "WPT_LAB_DATABASE";
    public const string DefaultUrls = "http://127.0.0.1:5180";

    /// <summary>Tests open their own store (the real ones open a database); flows with the test's execution context only.</summary>
    internal static readonly AsyncLocal<Func<string?, string, CancellationToken, Task<ILabStore>>?> OpenStoreOverride = new();

    /// <summary>Tests learn where the server listens (port 0) and stop it by cancelling the command's token.</summary>
    internal static readonly AsyncLocal<Action<IReadOnlyList<string>>?> Listening = new();

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--urls <URLS>")]
        [Description("Where to listen, ';'-separated http(s) URLs. Default: http://127.0.0.1:5180 (this machine only; give http://0.0.0.0:5180 for the lab's boards).")]
        public string? Urls { get; init; }

        [CommandOption("--database <CONNSTR>")]
        [Description("PostgreSQL connection string (Host=…;Database=…;Username=…). Default: $WPT_LAB_DATABASE; without either, --sqlite.")]
        public string? Database { get; init; }

        [CommandOption("--sqlite <PATH>")]
        [Description("The lab's SQLite file when no PostgreSQL connection string is given. Default: lab.db in the data directory.")]
        public string? Sqlite { get; init; }

        [CommandOption("--usecase <FILE>")]
        [Description("A use-case YAML the dashboard evaluates with the lab's measured figures beside the predicted ones. Repeatable.")]
        public string[] UseCases { get; init; } = [];

        [CommandOption("--create-token <NAME>")]
        [Description("Create a token for NAME with --role, print its secret (shown once) and exit, without serving.")]
        public string? CreateToken { get; init; }

        [CommandOption("--role <ROLE>")]
        [Description("The created token's role: agent (one board), reader, submitter or admin (docs/lab.md).")]
        public string? Role { get; init; }

        public override ValidationResult Validate()
        {
            if (Database is not null && Sqlite is not null)
            {
                return ValidationResult.Error("--database and --sqlite name two stores; give one of them.");
            }

            if (Database is { } database && string.IsNullOrWhiteSpace(database))
            {
                return ValidationResult.Error("--database is empty; give a PostgreSQL connection string, e.g. \"Host=localhost;Database=wpt;Username=wpt\".");
            }

            if (Sqlite is { } sqlite && string.IsNullOrWhiteSpace(sqlite))
            {
                return ValidationResult.Error("--sqlite is empty; give the lab database's file path.");
            }

            if (CreateToken is null)
            {
                return Role is not null ? ValidationResult.Error("--role goes with --create-token NAME; give both to make a token.") : ValidateUrls();
            }

            if (string.IsNullOrWhiteSpace(CreateToken) || CreateToken.Length > 100)
            {
                return ValidationResult.Error("--create-token needs the holder's name (1 to 100 characters), e.g. --create-token orin-1.");
            }

            if (Urls is not null)
            {
                return ValidationResult.Error("--urls has no effect with --create-token, which makes a token and exits; leave one of them out.");
            }

            return Role is null ? ValidationResult.Error($"--create-token needs --role; use one of {RoleNames}.")
                : ParseRole(Role) is null ? ValidationResult.Error($"--role '{Role}' is not a role; use one of {RoleNames}.")
                : ValidationResult.Success();
        }

        public IReadOnlyList<string> UrlList => (Urls ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        private ValidationResult ValidateUrls()
        {
            var urls = UrlList;
            if (urls.Count == 0)
            {
                return ValidationResult.Error($"--urls is empty; give where to listen, e.g. {DefaultUrls}.");
            }

            foreach (var url in urls)
            {
                // Kestrel's wildcard hosts (http://*:5180, http://+:5180) are not URIs; they mean "every address".
                var normalised = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
                if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
                {
                    return ValidationResult.Error($"--urls '{url}' is not an http(s) address to listen on; write it as http://HOST:PORT, e.g. {DefaultUrls}.");
                }
            }

            return ValidationResult.Success();
        }
    }

    private static string RoleNames => string.Join(", ", Enum.GetNames<TokenRole>().Select(n => n.ToLowerInvariant()));

    private static TokenRole? ParseRole(string text) =>
        Enum.GetValues<TokenRole>().Where(r => string.Equals(r.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)).Cast<TokenRole?>().FirstOrDefault();

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // An option beats the environment: --sqlite means SQLite even where $WPT_LAB_DATABASE is set.
        var postgres = settings.Sqlite is not null ? null : settings.Database ?? NonEmpty(Environment.GetEnvironmentVariable(DatabaseVariable));
        var sqlitePath = settings.Sqlite ?? (postgres is null ? DataDirectory.File("lab.db") : Path.Combine(DataDirectory.Path, "lab.db"));
        var open = OpenStoreOverride.Value ?? ((connection, path, token) => LabStores.OpenAsync(connection, path, WptBuild.Current, token));
        await using var store = await open(postgres, sqlitePath, cancellationToken);
        var where = postgres is null ? sqlitePath : "PostgreSQL";

        if (settings.CreateToken is { } name)
        {
            var role = ParseRole(settings.Role!)!.Value;
            var (principal, secret) = await store.CreateTokenAsync(name.Trim(), role, cancellationToken);
            console.Profile.Out.Writer.Write(
                $"Token {principal.TokenId} for '{principal.Name}' ({role.ToString().ToLowerInvariant()}) in {where}; its secret, shown this once:\n{secret}\n");
            console.Profile.Out.Writer.Flush();
            return 0;
        }

        // Use cases are read before listening, so a bad file is one line and the server never starts half-configured.
        var useCases = settings.UseCases.Select(file => UseCaseYaml.Load(file, catalog)).ToList();

        // The first Ctrl-C or SIGTERM stops the server cooperatively: requests in flight finish, the store closes, exit 0.
        Interrupts.MeasurementStarts();
        await using var app = LabServer.Build(new LabServerOptions(store, string.Join(';', settings.UrlList)) { Dashboard = new DashboardOptions(catalog, useCases) });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new InvalidInputException($"Cannot listen on {string.Join(", ", settings.UrlList)} ({ex.Message.TrimEnd('.')}); choose another address or port with --urls.");
        }

        var addresses = app.Urls.ToList();
        console.Profile.Out.Writer.Write($"wpt serve: the lab on {where}, listening on {string.Join(", ", addresses)} (API {LabApi.Prefix}, OpenAPI {LabApi.OpenApi}); Ctrl-C stops it.\n");
        console.Profile.Out.Writer.Flush();
        Listening.Value?.Invoke(addresses);
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}

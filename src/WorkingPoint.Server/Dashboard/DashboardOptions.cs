using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Server.DashboardPages;

/// <summary>What the dashboard needs beyond the store: the catalog its predictions come from, and the use cases it evaluates.</summary>
/// <param name="Catalog">The catalog the composition root chose (Catalog.BuiltIn for wpt serve).</param>
/// <param name="UseCases">Use cases shown with the lab's measured figures beside their predictions; empty shows none.</param>
public sealed record DashboardOptions(Catalog.Catalog Catalog, IReadOnlyList<UseCase> UseCases)
{
    /// <summary>Rows on one page of the results list.</summary>
    public int ResultsPageSize { get; init; } = 50;
}

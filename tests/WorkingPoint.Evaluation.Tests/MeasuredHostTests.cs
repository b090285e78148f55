using WorkingPoint.Catalog;
using WorkingPoint.Core;

namespace WorkingPoint.Evaluation.Tests;

public sealed class MeasuredHostTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    [Fact]
    public void A_platform_other_than_host_resolves_from_the_catalog_without_measuring()
    {
        var platform = MeasuredHost.Resolve(Catalog, "rk3588", () => throw new InvalidOperationException("must not measure"));

        Assert.Equal("rk3588", platform.Id);
    }

    [Fact]
    public void An_unknown_platform_is_the_catalogs_error()
    {
        Assert.Throws<CatalogException>(() => MeasuredHost.Resolve(Catalog, "rk358", () => throw new InvalidOperationException("must not measure")));
    }
}

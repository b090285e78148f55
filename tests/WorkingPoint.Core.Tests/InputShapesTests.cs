using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Tests;

public sealed class InputShapesTests
{
    private static readonly long[] DynamicImage = [-1, 3, -1, -1];
    private static readonly string?[] Symbols = ["batch", null, "height", "width"];

    [Fact]
    public void A_bare_size_is_width_by_height_and_fills_height_and_width_of_the_only_input()
    {
        var shapes = InputShapes.Parse(["960x540"]);
        Assert.Equal([1L, 3, 540, 960], shapes.Resolve("x", DynamicImage, Symbols, isOnlyInput: true));
    }

    [Fact]
    public void A_named_shape_is_used_as_written()
    {
        var shapes = InputShapes.Parse(["x=2x3x64x128"]);
        Assert.Equal([2L, 3, 64, 128], shapes.Resolve("x", DynamicImage, Symbols, isOnlyInput: false));
    }

    [Fact]
    public void Fixed_dimensions_need_no_shape()
    {
        Assert.Equal([1L, 3, 48, 192], InputShapes.None.Resolve("x", [1, 3, 48, 192], [null, null, null, null], isOnlyInput: true));
    }

    [Fact]
    public void A_dynamic_input_without_a_shape_names_the_input_its_dimensions_and_an_example()
    {
        var error = Assert.Throws<InvalidInputException>(() => InputShapes.None.Resolve("x", DynamicImage, Symbols, isOnlyInput: true));
        Assert.Contains("Input x", error.Message, StringComparison.Ordinal);
        Assert.Contains("height", error.Message, StringComparison.Ordinal);
        Assert.Contains("--input x=1x3x640x640", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_of_the_wrong_rank_is_refused()
    {
        var error = Assert.Throws<InvalidInputException>(() => InputShapes.Parse(["x=3x64x64"]).Resolve("x", DynamicImage, Symbols, false));
        Assert.Contains("3 dimensions", error.Message, StringComparison.Ordinal);
        Assert.Contains("declares x as [batch, 3, height, width]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_that_contradicts_a_fixed_dimension_is_refused()
    {
        var error = Assert.Throws<InvalidInputException>(() => InputShapes.Parse(["x=1x4x64x64"]).Resolve("x", DynamicImage, Symbols, false));
        Assert.Contains("dimension 1 must be 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x=1x3xHxW")]
    [InlineData("0x640")]
    [InlineData("x=")]
    public void Text_that_is_not_a_shape_is_refused(string text)
    {
        var error = Assert.Throws<InvalidInputException>(() => InputShapes.Parse([text]));
        Assert.Contains("is not a shape", error.Message, StringComparison.Ordinal);
    }
}

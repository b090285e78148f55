using WorkingPoint.Core;

namespace WorkingPoint.Core.Tests;

public sealed class EditDistanceTests
{
    [Theory]
    [InlineData("weights", "weights", 0)]
    [InlineData("weigths", "weights", 1)]
    [InlineData("hailo-9", "hailo-8", 1)]
    [InlineData("plat", "platform", 4)]
    [InlineData("", "abc", 3)]
    public void Distance_counts_insertions_deletions_substitutions_and_adjacent_swaps_as_one_step_each(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Between(a, b));
        Assert.Equal(expected, EditDistance.Between(b, a));
    }
}

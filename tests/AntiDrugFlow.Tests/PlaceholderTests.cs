namespace AntiDrugFlow.Tests; public class PlaceholderTests { [Xunit.Fact] public void Runs() => Xunit.Assert.True(1 + 1 == 2); }

namespace AntiDrugFlow.Workflows; internal static class Placeholder {}

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>Asia/Taipei, the zone every date a person sees is shown in.</summary>
public static class TaipeiTime
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Taipei");
}

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>One of the 22 special municipalities, cities and counties, keyed by its ISO 3166-2 code.</summary>
public sealed record County(string Code, string Name, bool IsSpecialMunicipality);

public static class Counties
{
    /// <summary>The 22 cities and counties, special municipalities first, in the official order.</summary>
    public static IReadOnlyList<County> All { get; } =
    [
        new("TW-TPE", "臺北市", true),
        new("TW-NWT", "新北市", true),
        new("TW-TAO", "桃園市", true),
        new("TW-TXG", "臺中市", true),
        new("TW-TNN", "臺南市", true),
        new("TW-KHH", "高雄市", true),
        new("TW-KEE", "基隆市", false),
        new("TW-HSZ", "新竹市", false),
        new("TW-CYI", "嘉義市", false),
        new("TW-HSQ", "新竹縣", false),
        new("TW-MIA", "苗栗縣", false),
        new("TW-CHA", "彰化縣", false),
        new("TW-NAN", "南投縣", false),
        new("TW-YUN", "雲林縣", false),
        new("TW-CYQ", "嘉義縣", false),
        new("TW-PIF", "屏東縣", false),
        new("TW-ILA", "宜蘭縣", false),
        new("TW-HUA", "花蓮縣", false),
        new("TW-TTT", "臺東縣", false),
        new("TW-PEN", "澎湖縣", false),
        new("TW-KIN", "金門縣", false),
        new("TW-LIE", "連江縣", false),
    ];

    private static readonly Dictionary<string, County> ByCodeOrName = BuildIndex();

    private static Dictionary<string, County> BuildIndex()
    {
        var index = new Dictionary<string, County>(StringComparer.OrdinalIgnoreCase);
        foreach (var county in All)
        {
            index[county.Code] = county;
            index[county.Name] = county;
            // 台 and 臺 are both in everyday use; the directory stores 臺.
            index[county.Name.Replace('臺', '台')] = county;
        }
        return index;
    }

    /// <summary>Finds a county by its code (TW-KEE) or its name (基隆市).</summary>
    public static bool TryFind(string codeOrName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out County? county) =>
        ByCodeOrName.TryGetValue(codeOrName.Trim(), out county);

    public static County Get(string codeOrName) =>
        TryFind(codeOrName, out var county)
            ? county
            : throw new UnknownCountyException(codeOrName);
}

public sealed class UnknownCountyException(string codeOrName)
    : KeyNotFoundException($"「{codeOrName}」不是已知的直轄市或縣市代碼或名稱。")
{
    public string CodeOrName { get; } = codeOrName;
}
